package io.qmesh.pilot.xds;

import java.util.List;

/** Envoy v3 type URLs, and the order pushes follow: clusters before their endpoints, listeners before routes. */
public final class TypeUrls {
    public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public static final String ENDPOINT = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
    public static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

    /** CDS, EDS, LDS, RDS: make before break. */
    public static final List<String> PUSH_ORDER = List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE);

    private TypeUrls() {
    }

    /** Short name for logs and debug output: CDS, EDS, LDS, RDS. */
    public static String shortName(String typeUrl) {
        return switch (typeUrl) {
            case CLUSTER -> "CDS";
            case ENDPOINT -> "EDS";
            case LISTENER -> "LDS";
            case ROUTE -> "RDS";
            default -> typeUrl;
        };
    }

    /** RDS and EDS are requested by name; CDS and LDS are state of the world (all resources). */
    public static boolean requestedByName(String typeUrl) {
        return ENDPOINT.equals(typeUrl) || ROUTE.equals(typeUrl);
    }
}
