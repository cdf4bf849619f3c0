package io.qmesh.pilot.xds;

/** Istio's cluster names. */
public final class ClusterNames {
    public static final String BLACK_HOLE = "BlackHoleCluster";
    public static final String PASSTHROUGH = "PassthroughCluster";
    public static final String INBOUND_PASSTHROUGH = "InboundPassthroughCluster";

    private ClusterNames() {
    }

    /** {@code outbound|9080|v1|reviews.default.svc.cluster.local}; an empty subset means all endpoints. */
    public static String outbound(int port, String subset, String hostname) {
        return "outbound|" + port + "|" + (subset == null ? "" : subset) + "|" + hostname;
    }

    /** {@code inbound|9080||}. */
    public static String inbound(int port) {
        return "inbound|" + port + "||";
    }
}
