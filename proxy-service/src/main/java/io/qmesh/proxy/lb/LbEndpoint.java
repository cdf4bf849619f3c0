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
 */
public record LbEndpoint(InetSocketAddress address, int weight, boolean healthy, String workload, Counters counters) {

    /** Per-endpoint counters shown by /clusters. */
    public static final class Counters {
        public final AtomicInteger activeRequests = new AtomicInteger();
        public final LongAdder requests = new LongAdder();
        public final LongAdder errors = new LongAdder();
        public final LongAdder connectFailures = new LongAdder();
        /** Outlier detection state (consecutive errors, ejection), kept as long as the endpoint. */
        public final io.qmesh.proxy.resilience.HostMonitor outlier = new io.qmesh.proxy.resilience.HostMonitor();
    }

    public String hostPort() {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
