package io.qmesh.proxy.xds;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The accepted xDS resources by type and name, plus each type's accepted version. Immutable; an
 * update produces a candidate copy that only replaces the current one if it translates cleanly.
 */
public record XdsResources(
        Map<String, Listener> listeners,
        Map<String, RouteConfiguration> routes,
        Map<String, Cluster> clusters,
        Map<String, ClusterLoadAssignment> endpoints,
        Map<String, String> versions) {

    public static final XdsResources EMPTY = new XdsResources(Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

    /** RDS names the listeners reference. */
    public Set<String> referencedRoutes() {
        Set<String> names = new TreeSet<>();
        for (Listener l : listeners.values()) {
            for (var fc : l.getFilterChainsList()) {
                XdsNames.rdsNames(fc, names);
            }
            if (l.hasDefaultFilterChain()) {
                XdsNames.rdsNames(l.getDefaultFilterChain(), names);
            }
        }
        return names;
    }

    /** EDS names the EDS clusters reference. */
    public Set<String> referencedEndpoints() {
        Set<String> names = new TreeSet<>();
        for (Cluster c : clusters.values()) {
            if (c.getType() == Cluster.DiscoveryType.EDS) {
                names.add(ClusterTranslator.edsName(c));
            }
        }
        return names;
    }

    /** True once CDS and LDS arrived and every referenced RDS/EDS resource is present. */
    public boolean complete() {
        return versions.containsKey(TypeUrls.CLUSTER) && versions.containsKey(TypeUrls.LISTENER)
                && routes.keySet().containsAll(referencedRoutes())
                && endpoints.keySet().containsAll(referencedEndpoints());
    }

    XdsResources with(String typeUrl, Map<String, ? extends com.google.protobuf.Message> update, String version) {
        Map<String, String> v = new TreeMap<>(versions);
        v.put(typeUrl, version);
        return switch (typeUrl) {
            case TypeUrls.LISTENER -> new XdsResources(cast(update), routes, clusters, endpoints, v);
            case TypeUrls.CLUSTER -> {
                // Endpoint assignments of deleted clusters go with them.
                XdsResources next = new XdsResources(listeners, routes, cast(update), endpoints, v);
                Map<String, ClusterLoadAssignment> eds = new TreeMap<>(endpoints);
                eds.keySet().retainAll(next.referencedEndpoints());
                yield new XdsResources(listeners, routes, next.clusters(), eds, v);
            }
            case TypeUrls.ROUTE -> {
                Map<String, RouteConfiguration> merged = new TreeMap<>(routes);
                merged.putAll(cast(update));
                yield new XdsResources(listeners, merged, clusters, endpoints, v);
            }
            case TypeUrls.ENDPOINT -> {
                Map<String, ClusterLoadAssignment> merged = new TreeMap<>(endpoints);
                merged.putAll(cast(update));
                yield new XdsResources(listeners, routes, clusters, merged, v);
            }
            default -> throw new IllegalArgumentException(typeUrl);
        };
    }

    @SuppressWarnings("unchecked")
    private static <T> Map<String, T> cast(Map<String, ?> m) {
        return Map.copyOf((Map<String, T>) m);
    }
}
