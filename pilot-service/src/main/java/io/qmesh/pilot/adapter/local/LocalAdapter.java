package io.qmesh.pilot.adapter.local;

import io.qmesh.pilot.model.Hostnames;
import io.qmesh.pilot.model.PlatformAdapter;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.ProxyRegistrations;
import io.qmesh.pilot.model.RegistryChange;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.ServicePort;
import io.qmesh.pilot.model.ServiceRegistry;
import io.qmesh.pilot.model.Workload;
import io.qmesh.pilot.model.WorkloadPort;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Registers a workload per connected proxy and derives a service per (namespace, app label) whose ports
 * are the union of its workloads' ports. A proxy may hold several streams at once during a reconnect,
 * so connections are counted; the workload is dropped only {@code gracePeriod} after the last stream
 * closed, when {@link #expire()} runs (the server calls it periodically; tests call it with a fake clock).
 *
 * <p>All mutating methods are synchronized: they are rare (a proxy connecting) and each recomputes one
 * small immutable registry that readers take without locking.
 */
public final class LocalAdapter implements PlatformAdapter, ProxyRegistrations {
    public static final String NAME = "local";

    private final Duration gracePeriod;
    private final LongSupplier nanoClock;
    private final ServiceRegistry staticRegistry;
    private final Map<String, Registration> registrations = new TreeMap<>();
    private final List<Consumer<RegistryChange>> listeners = new CopyOnWriteArrayList<>();
    private volatile ServiceRegistry registry;

    public LocalAdapter(Duration gracePeriod, LongSupplier nanoClock, ServiceRegistry staticRegistry) {
        this.gracePeriod = Objects.requireNonNull(gracePeriod);
        this.nanoClock = Objects.requireNonNull(nanoClock);
        this.staticRegistry = Objects.requireNonNull(staticRegistry);
        this.registry = staticRegistry;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ServiceRegistry registry() {
        return registry;
    }

    @Override
    public void onChange(Consumer<RegistryChange> listener) {
        listeners.add(listener);
    }

    /** A stream from {@code node} opened. Proxies without an address or service name are not registered. */
    @Override
    public void connected(ProxyNode node) {
        if (node.ip().isEmpty() || node.serviceName().isEmpty()) {
            return;
        }
        RegistryChange change = null;
        synchronized (this) {
            Registration old = registrations.get(node.id());
            int streams = old == null ? 1 : old.streams + 1;
            if (old != null && old.node.equals(node)) {
                // A reconnect (or a second stream) of a known proxy: the registry is unchanged.
                registrations.put(node.id(), new Registration(node, old.workload, streams, -1));
            } else {
                registrations.put(node.id(), new Registration(node, workload(node), streams, -1));
                Set<String> touched = new HashSet<>();
                touched.add(host(node));
                if (old != null) {
                    touched.add(host(old.node));
                }
                change = recompute(touched);
            }
        }
        fire(change);
    }

    /** A stream from {@code proxyId} closed; the workload stays until the grace period has passed. */
    @Override
    public void disconnected(String proxyId) {
        synchronized (this) {
            Registration old = registrations.get(proxyId);
            if (old == null) {
                return;
            }
            int streams = Math.max(0, old.streams - 1);
            registrations.put(proxyId, new Registration(old.node, old.workload, streams,
                    streams == 0 ? nanoClock.getAsLong() : -1));
        }
    }

    /** Removes workloads whose proxy has been gone longer than the grace period. */
    public void expire() {
        RegistryChange change;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            Set<String> touched = new HashSet<>();
            boolean removed = registrations.values().removeIf(r -> {
                boolean expired = r.streams == 0 && now - r.disconnectedAt >= gracePeriod.toNanos();
                if (expired) {
                    touched.add(host(r.node));
                }
                return expired;
            });
            if (!removed) {
                return;
            }
            change = recompute(touched);
        }
        fire(change);
    }

    private void fire(RegistryChange change) {
        if (change == null) {
            return;
        }
        for (Consumer<RegistryChange> l : listeners) {
            l.accept(change);
        }
    }

    /**
     * Rebuilds the registry after registrations of the {@code touched} hosts changed; returns what
     * changed, or null when nothing did. Linear in the registrations (workloads are built once, at
     * connect), so a thousand proxies connecting cost a thousand cheap rebuilds, not a million workloads.
     */
    private RegistryChange recompute(Set<String> touched) {
        List<Workload> workloads = new ArrayList<>(staticRegistry.workloads());
        Map<String, Map<Integer, ServicePort>> portsByHost = new TreeMap<>();
        Map<String, String[]> nameNs = new LinkedHashMap<>();
        for (Registration r : registrations.values()) {
            ProxyNode n = r.node;
            String host = host(n);
            nameNs.putIfAbsent(host, new String[] {n.serviceName(), n.namespace()});
            Map<Integer, ServicePort> ports = portsByHost.computeIfAbsent(host, k -> new TreeMap<>());
            for (WorkloadPort p : n.ports()) {
                ports.putIfAbsent(p.port(), new ServicePort(p.name(), p.port(), p.protocol()));
            }
            workloads.add(r.workload);
        }
        List<Service> services = new ArrayList<>(staticRegistry.services());
        Set<String> staticHosts = new HashSet<>();
        staticRegistry.services().forEach(s -> staticHosts.add(s.hostname()));
        portsByHost.forEach((host, ports) -> {
            if (!staticHosts.contains(host) && !ports.isEmpty()) {
                String[] n = nameNs.get(host);
                services.add(new Service(n[0], n[1], host, List.copyOf(ports.values()), ""));
            }
        });
        ServiceRegistry before = registry;
        ServiceRegistry after = new ServiceRegistry(services, workloads);
        registry = after;
        if (!before.services().equals(after.services())) {
            return RegistryChange.FULL;
        }
        return before.workloads().equals(after.workloads()) ? null : RegistryChange.endpoints(touched);
    }

    private static Workload workload(ProxyNode n) {
        String name = n.podName().isEmpty() ? n.id() : n.podName();
        return new Workload(name, n.namespace(), n.serviceName(), n.ip(), n.ports(), n.labels(),
                n.serviceAccount(), true, NAME);
    }

    private static String host(ProxyNode n) {
        return Hostnames.fqdn(n.serviceName(), n.namespace());
    }

    private record Registration(ProxyNode node, Workload workload, int streams, long disconnectedAt) {
    }
}
