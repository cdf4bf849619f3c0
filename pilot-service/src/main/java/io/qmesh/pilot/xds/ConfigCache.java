package io.qmesh.pilot.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.istio.VirtualService;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Memoizes, per snapshot, the parts of proxy config that do not depend on the individual proxy: the
 * outbound clusters, all endpoints, the shared sidecar listeners, and route configurations per
 * (proxy type, namespace, the labels rules match on), since a route configuration depends only on those. With a thousand
 * sidecars a push then translates the mesh once instead of a thousand times. What depends on the proxy
 * alone (its inbound clusters and listeners) is kept across pushes while the proxy stays connected.
 *
 * <p>Resources equal to the previous snapshot's are replaced by the previous instances ("interned"),
 * so the per-proxy "did this change?" comparison in the push is mostly an identity check, and a
 * serialized form can be shared across proxies. Results are identical to {@link ConfigGenerator#generate}
 * without a cache: the golden tests pin that. Methods are synchronized; pushes run on one thread and
 * new streams are rare, so there is no contention worth avoiding.
 */
public final class ConfigCache {
    private long version = -1;
    private Map<String, Message> previous = new HashMap<>();
    private Map<String, Message> pool = new HashMap<>();
    private MeshSnapshot snapshot;
    private final Map<String, Shared> shared = new HashMap<>();
    private final Map<List<Object>, List<RouteConfiguration>> routes = new HashMap<>();
    private final Map<List<Object>, List<Listener>> gatewayListeners = new HashMap<>();
    private Map<Message, Any> packedNow = new IdentityHashMap<>();
    private Map<Message, Any> packedBefore = new IdentityHashMap<>();
    private java.util.Set<String> sourceLabelKeys = java.util.Set.of();
    private long ownVersion = -1;
    private Map<ProxyNode, Own> ownNow = new HashMap<>();
    private Map<ProxyNode, Own> ownBefore = new HashMap<>();

    private record Own(List<Cluster> clusters, List<Listener> listeners) {
    }

    /** What every proxy of one scope (see {@link MeshSnapshot#scopeKey}) shares. */
    private record Shared(MeshSnapshot view, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints,
                          List<Listener> sidecarListeners) {
    }

    /** Everything one proxy is sent, equal to {@code ConfigGenerator.generate(snapshot, proxy)}. */
    public synchronized ProxyResources generate(MeshSnapshot snapshot, ProxyNode proxy) {
        if (snapshot.version() < version) {
            // A stream opened with the snapshot of just before a push: serve it without evicting the newer one.
            return ConfigGenerator.generate(snapshot, proxy);
        }
        at(snapshot);
        Shared scope = shared(snapshot.scopeKey(proxy), proxy);
        Own own = own(proxy);
        List<Cluster> cds = new ArrayList<>(scope.clusters());
        cds.addAll(own.clusters());
        cds.sort(Comparator.comparing(Cluster::getName));
        List<Listener> lds;
        if (proxy.type() == ProxyNode.Type.ROUTER) {
            lds = gatewayListeners.computeIfAbsent(List.of(proxy.namespace(), proxy.labels(), proxy.listenerAddress()),
                    k -> intern("LDS|" + k, ListenerTranslator.gateway(scope.view(), proxy), Listener::getName));
        } else {
            lds = ListenerTranslator.forSidecar(scope.sidecarListeners(), own.listeners());
        }
        List<RouteConfiguration> rds = routes.computeIfAbsent(routeKey(proxy),
                k -> intern("RDS|" + k, RouteTranslator.translate(scope.view(), proxy), RouteConfiguration::getName));
        return ProxyResources.of(snapshot.version(), cds, scope.endpoints(), lds, rds);
    }

    /** The same config with only EDS regenerated, for an endpoint-only change. */
    public synchronized ProxyResources regenerateEndpoints(ProxyResources previousConfig, MeshSnapshot snapshot) {
        if (snapshot.version() < version) {
            return previousConfig.withEndpoints(snapshot.version(), EndpointTranslator.translate(snapshot, null));
        }
        at(snapshot);
        List<ClusterLoadAssignment> all = shared("", null).endpoints();
        Map<String, ?> previousEndpoints = previousConfig.resources(TypeUrls.ENDPOINT);
        if (previousEndpoints.size() == all.size()) {
            return previousConfig.withEndpoints(snapshot.version(), all);
        }
        // A scoped sidecar keeps exactly the load assignments of the clusters it has.
        List<ClusterLoadAssignment> scoped = all.stream().filter(c -> previousEndpoints.containsKey(c.getClusterName())).toList();
        return previousConfig.withEndpoints(snapshot.version(), scoped);
    }

    /**
     * The shared translation for one scope key, made on first use per snapshot: the scope's view of
     * the snapshot, its outbound clusters, its load assignments (those of the full mesh, filtered to
     * the scope's clusters, so each is translated once) and its shared sidecar listeners.
     */
    private Shared shared(String key, ProxyNode proxy) {
        Shared s = shared.get(key);
        if (s != null) {
            return s;
        }
        if (!key.isEmpty()) {
            Shared mesh = shared("", null);
            MeshSnapshot view = snapshot.scopedFor(proxy);
            List<Cluster> clusters = intern("CDS", ClusterTranslator.shared(view), Cluster::getName);
            java.util.Set<String> names = new java.util.HashSet<>();
            clusters.forEach(c -> names.add(c.getName()));
            List<ClusterLoadAssignment> endpoints = mesh.endpoints().stream()
                    .filter(c -> names.contains(c.getClusterName())).toList();
            s = new Shared(view, clusters, endpoints, intern("LDS", ListenerTranslator.sidecarShared(view), Listener::getName));
        } else {
            s = new Shared(snapshot,
                    intern("CDS", ClusterTranslator.shared(snapshot), Cluster::getName),
                    intern("EDS", EndpointTranslator.translate(snapshot, null), ClusterLoadAssignment::getClusterName),
                    intern("LDS", ListenerTranslator.sidecarShared(snapshot), Listener::getName));
        }
        shared.put(key, s);
        return s;
    }

    /**
     * What depends on the proxy alone (its inbound clusters and listeners), kept from one full push to
     * the next: only the proxies generated for at the current and the previous full push are kept, so
     * disconnected proxies fall out after two pushes.
     */
    private Own own(ProxyNode proxy) {
        if (ownVersion != version) {
            ownVersion = version;
            ownBefore = ownNow;
            ownNow = new HashMap<>();
        }
        Own own = ownNow.get(proxy);
        if (own == null) {
            own = ownBefore.get(proxy);
            if (own == null) {
                own = new Own(List.copyOf(ClusterTranslator.local(proxy)),
                        proxy.type() == ProxyNode.Type.ROUTER ? List.of() : List.copyOf(ListenerTranslator.own(proxy)));
            }
            ownNow.put(proxy, own);
        }
        return own;
    }

    /**
     * What a proxy's route configurations depend on: its type and namespace (short-name domains), and of
     * its labels only those some VirtualService match names in {@code sourceLabels}; a gateway's routes
     * depend on all its labels (Gateway selectors). So sidecars of a thousand different apps share one
     * translation unless a rule routes by their labels.
     */
    private List<Object> routeKey(ProxyNode proxy) {
        if (proxy.type() == ProxyNode.Type.ROUTER) {
            return List.of(proxy.type(), proxy.namespace(), proxy.labels());
        }
        Map<String, String> relevant = new java.util.TreeMap<>();
        for (String key : sourceLabelKeys) {
            String value = proxy.labels().get(key);
            if (value != null) {
                relevant.put(key, value);
            }
        }
        return List.of(proxy.type(), proxy.namespace(), relevant);
    }

    /**
     * The resource packed as an {@code Any}, serialized once however many proxies and streams are sent
     * the same instance; kept for the resources of the current and the previous snapshot.
     */
    public synchronized Any packed(Message resource) {
        Any any = packedNow.get(resource);
        if (any == null) {
            any = packedBefore.get(resource);
            if (any == null) {
                any = Any.pack(resource);
            }
            packedNow.put(resource, any);
        }
        return any;
    }

    private void at(MeshSnapshot snapshot) {
        if (snapshot.version() == version) {
            return;
        }
        version = snapshot.version();
        packedBefore = packedNow;
        packedNow = new IdentityHashMap<>();
        previous = pool;
        pool = new HashMap<>();
        routes.clear();
        gatewayListeners.clear();
        sourceLabelKeys = new java.util.TreeSet<>();
        for (VirtualService vs : snapshot.rules().virtualServices()) {
            for (VirtualService.HttpRoute r : vs.spec().http()) {
                r.match().forEach(m -> sourceLabelKeys.addAll(m.sourceLabels().keySet()));
            }
        }
        this.snapshot = snapshot;
        shared.clear();
    }

    @SuppressWarnings("unchecked")
    private <T extends Message> List<T> intern(String scope, List<T> fresh, Function<T, String> name) {
        List<T> out = new ArrayList<>(fresh.size());
        for (T m : fresh) {
            String key = scope + "|" + name.apply(m);
            Message old = previous.get(key);
            T chosen = old != null && old.equals(m) ? (T) old : m;
            pool.put(key, chosen);
            out.add(chosen);
        }
        return List.copyOf(out);
    }
}
