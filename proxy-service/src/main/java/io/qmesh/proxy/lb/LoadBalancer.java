package io.qmesh.proxy.lb;

import java.util.List;
import java.util.function.Predicate;

/**
 * Picks an endpoint for one attempt. Implementations are immutable apart from lock-free counters and
 * are shared by all event loops.
 */
public interface LoadBalancer {

    /**
     * @param hash     the request's consistent-hash key, or null when the route has no hash policy
     *                 (hash-based balancers then pick at random, as Envoy does)
     * @param excluded endpoints to avoid (previous-host retry predicate); may be ignored after
     *                 {@code maxAttempts} unsuccessful selections
     * @return null when the cluster has no endpoints
     */
    LbEndpoint pick(Long hash, Predicate<LbEndpoint> excluded, int maxAttempts);

    List<LbEndpoint> endpoints();

    /** How many endpoints EDS reports healthy, outlier ejections aside. */
    default int healthyCount() {
        return (int) endpoints().stream().filter(LbEndpoint::healthy).count();
    }

    /** How many of the endpoints are healthy and not outlier-ejected right now. */
    static int usableCount(List<LbEndpoint> endpoints) {
        int usable = 0;
        for (LbEndpoint e : endpoints) {
            if (e.healthy() && !e.counters().outlier.ejected()) {
                usable++;
            }
        }
        return usable;
    }

    /** Envoy's healthy panic threshold (50 %): below it, all endpoints are used. */
    static List<LbEndpoint> eligible(List<LbEndpoint> all) {
        List<LbEndpoint> healthy = all.stream().filter(LbEndpoint::healthy).toList();
        return healthy.size() * 2 < all.size() ? all : healthy;
    }
}
