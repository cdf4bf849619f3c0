package io.qmesh.proxy.lb;

import io.qmesh.proxy.resilience.OutlierDetector;
import java.util.List;
import java.util.function.Predicate;

/**
 * Keeps outlier-ejected endpoints out of another balancer's picks, with Envoy's panic threshold:
 * when the share of healthy, non-ejected endpoints falls below {@code healthy_panic_threshold}
 * (Istio sets it from minHealthPercent, 0 = never panic) every endpoint is used again; with no
 * panic and nothing left to pick, there is no healthy upstream (null, 503 UH).
 *
 * <p>While nothing is ejected (the common case) a pick costs one volatile read more than the wrapped
 * balancer's.
 */
public final class EjectionAwareLoadBalancer implements LoadBalancer {

    private final LoadBalancer inner;
    private final OutlierDetector detector;
    private final double panicThresholdPercent;

    public EjectionAwareLoadBalancer(LoadBalancer inner, OutlierDetector detector, double panicThresholdPercent) {
        this.inner = inner;
        this.detector = detector;
        this.panicThresholdPercent = panicThresholdPercent;
    }

    @Override
    public LbEndpoint pick(Long hash, Predicate<LbEndpoint> excluded, int maxAttempts) {
        if (detector.activeEjections() == 0) {
            return inner.pick(hash, excluded, maxAttempts);
        }
        List<LbEndpoint> all = inner.endpoints();
        int available = LoadBalancer.usableCount(all);
        if (all.isEmpty() || available * 100.0 < panicThresholdPercent * all.size()) {
            return inner.pick(hash, excluded, maxAttempts); // panic: balance over all hosts
        }
        if (available == 0) {
            return null;
        }
        Predicate<LbEndpoint> ejected = e -> e.counters().outlier.ejected();
        // Extra draws so that a hash or schedule landing on ejected hosts walks on to a live one.
        int attempts = Math.max(1, maxAttempts) + all.size() - available;
        LbEndpoint chosen = inner.pick(hash, excluded == null ? ejected : ejected.or(excluded), attempts);
        if (chosen != null && ejected.test(chosen)) {
            // Only previously tried hosts are left: retry one of them rather than an ejected one.
            chosen = inner.pick(hash, ejected, attempts);
        }
        return chosen == null || ejected.test(chosen) ? null : chosen;
    }

    @Override
    public List<LbEndpoint> endpoints() {
        return inner.endpoints();
    }

    @Override
    public int healthyCount() {
        return inner.healthyCount();
    }
}
