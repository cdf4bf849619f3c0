package io.qmesh.proxy.xds;

import java.util.List;

/** Envoy v3 type URLs, in the order a control plane pushes them (make before break). */
public final class TypeUrls {

    public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public static final String ENDPOINT = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
    public static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

    public static final List<String> IN_ORDER = List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE);

    private TypeUrls() {
    }

    /** LDS and CDS are state-of-the-world: a resource missing from a response is deleted. */
    public static boolean isWildcard(String typeUrl) {
        return typeUrl.equals(CLUSTER) || typeUrl.equals(LISTENER);
    }

    public static String shortName(String typeUrl) {
        return switch (typeUrl) {
            case CLUSTER -> "CDS";
            case ENDPOINT -> "EDS";
            case LISTENER -> "LDS";
            case ROUTE -> "RDS";
            default -> typeUrl;
        };
    }
}
