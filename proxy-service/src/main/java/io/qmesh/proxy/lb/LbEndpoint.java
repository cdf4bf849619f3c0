package io.qmesh.proxy.lb;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * An upstream endpoint as the load balancers see it. The counters are shared by every config
 * generation that contains the same cluster and address, so least-request and /clusters stay accurate
 * across updates.
 *
 * @param workload Istio's endpoint metadata "workload;namespace;app;version;cluster", or ""
 * @param hostPort "ip:port", for the access log
 * @param peer     {@code workload} split, for Istio's metrics labels
 * (the last two are derived once here, not on each of the endpoint's requests)
 */
public record LbEndpoint(InetSocketAddress address, int weight, boolean healthy, String workload, Counters counters,
                         String hostPort, Peer peer) {

    public LbEndpoint(InetSocketAddress address, int weight, boolean healthy, String workload, Counters counters) {
        this(address, weight, healthy, workload, counters,
                (address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString())
                        + ":" + address.getPort(),
                Peer.parse(workload));
    }

    /** The endpoint's workload as Istio's metrics name it; "unknown" where the metadata says nothing. */
    public record Peer(String workload, String namespace, String app, String version) {
        public static final Peer UNKNOWN = new Peer("unknown", "unknown", "unknown", "unknown");

        static Peer parse(String metadata) {
            if (metadata.isEmpty()) {
                return UNKNOWN;
            }
            String[] parts = metadata.split(";", -1);
            return new Peer(part(parts, 0), part(parts, 1), part(parts, 2), part(parts, 3));
        }

        private static String part(String[] parts, int i) {
            return i < parts.length && !parts[i].isEmpty() ? parts[i] : "unknown";
        }
    }

    /** Per-endpoint counters shown by /clusters. */
    public static final class Counters {
        public final AtomicInteger activeRequests = new AtomicInteger();
        public final LongAdder requests = new LongAdder();
        public final LongAdder errors = new LongAdder();
        public final LongAdder connectFailures = new LongAdder();
        /** Outlier detection state (consecutive errors, ejection), kept as long as the endpoint. */
        public final io.qmesh.proxy.resilience.HostMonitor outlier = new io.qmesh.proxy.resilience.HostMonitor();
    }
}
