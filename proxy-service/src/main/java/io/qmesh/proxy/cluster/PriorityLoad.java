package io.qmesh.proxy.cluster;

import io.qmesh.proxy.lb.LbEndpoint;
import io.qmesh.proxy.lb.LoadBalancer;
import java.util.List;

/**
 * Envoy's priority load: how much of the traffic each priority level (here: each child cluster of an
 * aggregate cluster) gets from its health. A level's health is the share of its endpoints that are healthy
 * and not outlier-ejected, times the overprovisioning factor 1.4, capped at 100; levels are filled in order,
 * so P0 takes everything while at least ~72 % of its endpoints are usable and spills the rest to P1 as it
 * degrades. When the levels' health adds up to less than 100 the loads are scaled up to 100; when every
 * level is at 0, P0 takes all (and its own load balancer answers "no healthy upstream").
 */
public final class PriorityLoad {

    static final int OVERPROVISIONING_PERCENT = 140;

    /** The health of a level that takes all the load it is offered. */
    public static final int FULL = 100;

    private PriorityLoad() {
    }

    /** A level's health in percent, 0..100. */
    public static int health(List<LbEndpoint> endpoints) {
        return health(LoadBalancer.usableCount(endpoints), endpoints.size());
    }

    /** A cluster's health in percent, 0..100; without a single ejection, from the balancer's healthy count. */
    public static int health(UpstreamCluster cluster) {
        LoadBalancer lb = cluster.loadBalancer();
        List<LbEndpoint> all = lb.endpoints();
        int usable = cluster.outlierDetector().activeEjections() == 0 ? lb.healthyCount() : LoadBalancer.usableCount(all);
        return health(usable, all.size());
    }

    private static int health(int usable, int endpoints) {
        return endpoints == 0 ? 0 : (int) Math.min(FULL, (long) OVERPROVISIONING_PERCENT * usable / endpoints);
    }

    /** Per-level load in percent (summing to 100) from per-level health. */
    public static int[] load(int[] health) {
        int[] load = new int[health.length];
        if (health.length == 0) {
            return load;
        }
        int total = 0;
        for (int h : health) {
            total += h;
        }
        total = Math.min(100, total);
        if (total == 0) {
            load[0] = 100;
            return load;
        }
        int remaining = 100;
        int firstHealthy = -1;
        for (int i = 0; i < health.length; i++) {
            load[i] = Math.min(remaining, health[i] * 100 / total);
            remaining -= load[i];
            if (firstHealthy < 0 && health[i] > 0) {
                firstHealthy = i;
            }
        }
        load[firstHealthy] += remaining; // rounding
        return load;
    }

    /** The level a uniformly random {@code percentile} in [0, 100) falls into. */
    public static int pick(int[] load, int percentile) {
        int acc = 0;
        for (int i = 0; i < load.length; i++) {
            acc += load[i];
            if (percentile < acc) {
                return i;
            }
        }
        return load.length - 1;
    }
}
