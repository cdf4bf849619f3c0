package io.qmesh.pilot.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.PolicyAttachment;
import io.qmesh.pilot.model.PolicyAttachment.InboundRateLimits;
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
    private List<Cluster> clusters;
    private List<ClusterLoadAssignment> endpoints;
    private List<Listener> sidecarListeners;
    private final Map<List<Object>, List<RouteConfiguration>> routes = new HashMap<>();
    private final Map<List<Object>, List<Listener>> gatewayListeners = new HashMap<>();
    private Map<Message, Any> packedNow = new IdentityHashMap<>();
    private Map<Message, Any> packedBefore = new IdentityHashMap<>();
    private java.util.Set<String> sourceLabelKeys = java.util.Set.of();
    private long ownVersion = -1;
    private Map<ProxyNode, Own> ownNow = new HashMap<>();
    private Map<ProxyNode, Own> ownBefore = new HashMap<>();

    /** @param rateLimits what the listeners were built with: they are rebuilt when a push changes it */
    private record Own(List<Cluster> clusters, List<Listener> listeners, Map<Integer, InboundRateLimits> rateLimits) {
    }

    /** Everything one proxy is sent, equal to {@code ConfigGenerator.generate(snapshot, proxy)}. */
    public synchronized ProxyResources generate(MeshSnapshot snapshot, ProxyNode proxy) {
        if (snapshot.version() < version) {
            // A stream opened with the snapshot of just before a push: serve it without evicting the newer one.
            return ConfigGenerator.generate(snapshot, proxy);
        }
        at(snapshot);
        Own own = own(proxy, PolicyAttachment.rateLimits(snapshot, proxy));
        List<Cluster> cds = new ArrayList<>(clusters);
        cds.addAll(own.clusters());
        cds.sort(Comparator.comparing(Cluster::getName));
        List<Listener> lds;
        if (proxy.type() == ProxyNode.Type.ROUTER) {
            lds = gatewayListeners.computeIfAbsent(List.of(proxy.namespace(), proxy.labels(), proxy.listenerAddress()),
                    k -> intern("LDS|" + k, ListenerTranslator.gateway(snapshot, proxy), Listener::getName));
        } else {
            lds = ListenerTranslator.forSidecar(sidecarListeners, own.listeners());
        }
        List<RouteConfiguration> rds = routes.computeIfAbsent(routeKey(proxy),
                k -> intern("RDS|" + k, RouteTranslator.translate(snapshot, proxy), RouteConfiguration::getName));
        return ProxyResources.of(snapshot.version(), cds, endpoints, lds, rds);
    }

    /** The same config with only EDS regenerated, for an endpoint-only change. */
    public synchronized ProxyResources regenerateEndpoints(ProxyResources previousConfig, MeshSnapshot snapshot) {
        if (snapshot.version() < version) {
            return previousConfig.withEndpoints(snapshot.version(), EndpointTranslator.translate(snapshot, null));
        }
        at(snapshot);
        return previousConfig.withEndpoints(snapshot.version(), endpoints);
    }

    /**
     * What depends on the proxy alone (its inbound clusters and listeners), kept from one full push to
     * the next: only the proxies generated for at the current and the previous full push are kept, so
     * disconnected proxies fall out after two pushes. The rate limit policies attached to its inbound
     * ports are the only part of the snapshot they depend on.
     */
    private Own own(ProxyNode proxy, Map<Integer, InboundRateLimits> rateLimits) {
        if (ownVersion != version) {
            ownVersion = version;
            ownBefore = ownNow;
            ownNow = new HashMap<>();
        }
        Own own = ownNow.get(proxy);
        if (own == null || !own.rateLimits().equals(rateLimits)) {
            own = ownBefore.get(proxy);
            if (own == null || !own.rateLimits().equals(rateLimits)) {
                own = new Own(List.copyOf(ClusterTranslator.local(proxy)), proxy.type() == ProxyNode.Type.ROUTER
                        ? List.of() : List.copyOf(ListenerTranslator.own(proxy, rateLimits)), rateLimits);
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
        clusters = intern("CDS", ClusterTranslator.shared(snapshot), Cluster::getName);
        endpoints = intern("EDS", EndpointTranslator.translate(snapshot, null), ClusterLoadAssignment::getClusterName);
        sidecarListeners = intern("LDS", ListenerTranslator.sidecarShared(snapshot), Listener::getName);
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
