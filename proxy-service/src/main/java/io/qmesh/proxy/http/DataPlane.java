package io.qmesh.proxy.http;

import io.qmesh.proxy.cluster.ConnectionPools;
import io.qmesh.proxy.config.ProxyConfig;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.stats.AccessLog;
import io.qmesh.proxy.stats.IstioMetrics;
import io.qmesh.proxy.stats.StatsRegistry;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The long-lived services every connection handler shares.
 *
 * @param config     the one published config; read once per request
 * @param nanoClock  injected monotonic clock (System::nanoTime in production)
 * @param workload   this proxy's own workload, for Istio's source_* / destination_* labels
 */
public record DataPlane(
        AtomicReference<ProxyConfig> config,
        StatsRegistry stats,
        IstioMetrics metrics,
        AccessLog accessLog,
        RandomSource random,
        LongSupplier nanoClock,
        ConnectionPools pools,
        HttpLimits limits,
        LocalWorkload workload) {

    /** This proxy's workload identity (from bootstrap metadata). */
    public record LocalWorkload(String workload, String namespace, String app, String version) {
        public static final LocalWorkload UNKNOWN = new LocalWorkload("unknown", "unknown", "unknown", "unknown");
    }
}
