package io.qmesh.proxy.resilience;

import io.qmesh.proxy.stats.StatsRegistry;
import io.qmesh.proxy.stats.StatsScope;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Per-cluster resilience state by cluster name, so that open connections, pending requests and
 * ejections survive config pushes. The xDS edge asks for a cluster's state and updates its settings;
 * {@link #tick()} drives every outlier detector's interval sweep.
 */
public final class ResilienceRegistry {

    private final StatsRegistry stats;
    private final LongSupplier ticker;
    private final DoubleSupplier random;
    private final ConcurrentHashMap<String, ClusterResilience> clusters = new ConcurrentHashMap<>();

    /**
     * @param ticker monotonic nanoseconds (System::nanoTime in production, a fake in tests)
     * @param random uniform in [0, 1), for enforcing_* percentages
     */
    public ResilienceRegistry(StatsRegistry stats, LongSupplier ticker, DoubleSupplier random) {
        this.stats = stats;
        this.ticker = ticker;
        this.random = random;
    }

    /** The cluster's state, created the first time the cluster is seen. */
    public ClusterResilience forCluster(String name) {
        return clusters.computeIfAbsent(name, n -> {
            StatsScope scope = stats.scope("cluster." + n + ".");
            return new ClusterResilience(new CircuitBreaker(scope.prefix(), stats),
                    new OutlierDetector(scope.prefix(), stats, ticker, random), scope);
        });
    }

    /** Runs due outlier-detection sweeps. */
    public void tick() {
        clusters.values().forEach(c -> c.outlierDetector().tick());
    }
}
