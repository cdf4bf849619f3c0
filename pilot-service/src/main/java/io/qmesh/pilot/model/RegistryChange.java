package io.qmesh.pilot.model;

import java.util.Set;
import java.util.TreeSet;

/**
 * What changed, for the push scheduler. {@code endpointsOnly} changes (a workload came, went, or changed
 * health, with no new service or port) can be pushed as EDS alone; anything else is a full push.
 * {@code hostnames} names the services touched (empty on a full push = unknown, treat all as touched).
 */
public record RegistryChange(boolean endpointsOnly, Set<String> hostnames) {
    public static final RegistryChange FULL = new RegistryChange(false, Set.of());

    public RegistryChange {
        hostnames = Set.copyOf(new TreeSet<>(hostnames));
    }

    public static RegistryChange endpoints(Set<String> hostnames) {
        return new RegistryChange(true, hostnames);
    }

    /** Merging two changes (debounce): endpoint-only only if both are. */
    public RegistryChange merge(RegistryChange other) {
        TreeSet<String> hosts = new TreeSet<>(hostnames);
        hosts.addAll(other.hostnames);
        return new RegistryChange(endpointsOnly && other.endpointsOnly, hosts);
    }
}
