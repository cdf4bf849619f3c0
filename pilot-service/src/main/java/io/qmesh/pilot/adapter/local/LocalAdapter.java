package io.qmesh.pilot.adapter.local;

import io.qmesh.pilot.model.Hostnames;
import io.qmesh.pilot.model.PlatformAdapter;
import io.qmesh.pilot.model.ProxyNode;
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
public final class LocalAdapter implements PlatformAdapter {
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
    public void connected(ProxyNode node) {
        if (node.ip().isEmpty() || node.serviceName().isEmpty()) {
            return;
        }
        RegistryChange change;
        synchronized (this) {
            Registration old = registrations.get(node.id());
            int streams = old == null ? 1 : old.streams + 1;
            registrations.put(node.id(), new Registration(node, streams, -1));
            change = recompute();
        }
        fire(change);
    }

    /** A stream from {@code proxyId} closed; the workload stays until the grace period has passed. */
    public void disconnected(String proxyId) {
        synchronized (this) {
            Registration old = registrations.get(proxyId);
            if (old == null) {
                return;
            }
            int streams = Math.max(0, old.streams - 1);
            registrations.put(proxyId, new Registration(old.node, streams, streams == 0 ? nanoClock.getAsLong() : -1));
        }
    }

    /** Removes workloads whose proxy has been gone longer than the grace period. */
    public void expire() {
        RegistryChange change;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            boolean removed = registrations.values().removeIf(r ->
                    r.streams == 0 && now - r.disconnectedAt >= gracePeriod.toNanos());
            if (!removed) {
                return;
            }
            change = recompute();
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

    /** Rebuilds the registry; returns what changed, or null when nothing did. */
    private RegistryChange recompute() {
        List<Workload> workloads = new ArrayList<>(staticRegistry.workloads());
        Map<String, Map<Integer, ServicePort>> portsByHost = new TreeMap<>();
        Map<String, String[]> nameNs = new LinkedHashMap<>();
        for (Registration r : registrations.values()) {
            ProxyNode n = r.node;
            String host = Hostnames.fqdn(n.serviceName(), n.namespace());
            nameNs.putIfAbsent(host, new String[] {n.serviceName(), n.namespace()});
            Map<Integer, ServicePort> ports = portsByHost.computeIfAbsent(host, k -> new TreeMap<>());
            for (WorkloadPort p : n.ports()) {
                ports.putIfAbsent(p.port(), new ServicePort(p.name(), p.port(), p.protocol()));
            }
            String name = n.podName().isEmpty() ? n.id() : n.podName();
            workloads.add(new Workload(name, n.namespace(), n.serviceName(), n.ip(), n.ports(), n.labels(),
                    n.serviceAccount(), true, NAME));
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
        return diff(before, after);
    }

    /** Endpoint-only when the services are identical; the hosts are those whose workloads differ. */
    static RegistryChange diff(ServiceRegistry before, ServiceRegistry after) {
        if (before.equals(after)) {
            return null;
        }
        if (!before.services().equals(after.services())) {
            return RegistryChange.FULL;
        }
        Set<String> hosts = new HashSet<>();
        Set<Workload> old = new HashSet<>(before.workloads());
        Set<Workload> now = new HashSet<>(after.workloads());
        for (Workload w : before.workloads()) {
            if (!now.contains(w)) {
                hosts.add(Hostnames.fqdn(w.service(), w.namespace()));
            }
        }
        for (Workload w : after.workloads()) {
            if (!old.contains(w)) {
                hosts.add(Hostnames.fqdn(w.service(), w.namespace()));
            }
        }
        return RegistryChange.endpoints(hosts);
    }

    private record Registration(ProxyNode node, int streams, long disconnectedAt) {
    }
}
