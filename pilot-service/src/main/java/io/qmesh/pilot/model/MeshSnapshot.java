package io.qmesh.pilot.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything a push needs, frozen: services by hostname, workloads, rules, and a version that grows with
 * every change. One snapshot is built per push and handed to the translators explicitly; nothing in a
 * translation reads mutable state, so a push is a pure function of (snapshot, proxy).
 */
public final class MeshSnapshot {
    public static final MeshSnapshot EMPTY = new MeshSnapshot(0, List.of(), List.of(), MeshRules.EMPTY);

    private final long version;
    private final Map<String, Service> servicesByHost;
    private final List<Workload> workloads;
    private final MeshRules rules;
    private final Map<String, List<Workload>> workloadsByService;
    private final SidecarScope scope;

    public MeshSnapshot(long version, List<Service> services, List<Workload> workloads, MeshRules rules) {
        this(version, services, workloads, rules, SidecarScope.MESH);
    }

    /** {@code scope} says which services each sidecar sees; see {@link #scopedFor}. */
    public MeshSnapshot(long version, List<Service> services, List<Workload> workloads, MeshRules rules,
                        SidecarScope scope) {
        this.version = version;
        this.scope = scope;
        Map<String, Service> byHost = new TreeMap<>();
        for (Service s : services) {
            byHost.putIfAbsent(s.hostname(), s);
        }
        this.servicesByHost = Collections.unmodifiableMap(byHost);
        this.workloads = new ServiceRegistry(List.of(), workloads).workloads();
        this.rules = rules;
        Map<String, List<Workload>> byService = new TreeMap<>();
        for (Workload w : this.workloads) {
            if (!w.service().isEmpty()) {
                byService.computeIfAbsent(Hostnames.fqdn(w.service(), w.namespace()), k -> new ArrayList<>()).add(w);
            }
        }
        byService.replaceAll((k, v) -> List.copyOf(v));
        this.workloadsByService = Collections.unmodifiableMap(byService);
    }

    public long version() {
        return version;
    }

    /** Services sorted by hostname. */
    public List<Service> services() {
        return List.copyOf(servicesByHost.values());
    }

    public Optional<Service> service(String hostname) {
        return Optional.ofNullable(servicesByHost.get(hostname));
    }

    public List<Workload> workloads() {
        return workloads;
    }

    public MeshRules rules() {
        return rules;
    }

    /** Workloads backing a service (same namespace, same service name), sorted. */
    public List<Workload> workloadsOf(Service service) {
        return workloadsByService.getOrDefault(service.hostname(), List.of());
    }

    public MeshSnapshot withRules(long newVersion, MeshRules newRules) {
        return new MeshSnapshot(newVersion, services(), workloads, newRules, scope);
    }

    /** The configured scope, for namespaces no {@code Sidecar} object covers. */
    public SidecarScope scope() {
        return scope;
    }

    /**
     * The scope of a sidecar in {@code namespace}, as Istio resolves it: the first (by name) Sidecar
     * object without {@code workloadSelector} in that namespace, else such a Sidecar in the root
     * namespace ({@value SidecarScope#ROOT_NAMESPACE}, the mesh-wide default), else {@link #scope()}.
     */
    public SidecarScope scopeOf(String namespace) {
        return SidecarScope.of(rules.sidecars(), namespace).orElse(scope);
    }

    /**
     * What a proxy's translation sees: for a sidecar, only the services {@link #scopeOf} its namespace
     * makes visible (same version, rules and workloads); for a gateway, or a mesh-wide scope, this
     * snapshot. Proxies with the same {@link #scopeKey} see the same view.
     */
    public MeshSnapshot scopedFor(ProxyNode proxy) {
        if (scopeKey(proxy).isEmpty()) {
            return this;
        }
        java.util.Set<String> visible = scopeOf(proxy.namespace()).visibleHosts(this, proxy.namespace());
        List<Service> services = servicesByHost.values().stream().filter(s -> visible.contains(s.hostname())).toList();
        List<Workload> kept = workloads.stream()
                .filter(w -> visible.contains(Hostnames.fqdn(w.service(), w.namespace()))).toList();
        return new MeshSnapshot(version, services, kept, rules, SidecarScope.MESH);
    }

    /** What {@link #scopedFor} depends on: the sidecar's namespace, or "" when the proxy sees everything. */
    public String scopeKey(ProxyNode proxy) {
        return proxy.type() == ProxyNode.Type.ROUTER || scopeOf(proxy.namespace()).meshWide() ? "" : proxy.namespace();
    }
}
