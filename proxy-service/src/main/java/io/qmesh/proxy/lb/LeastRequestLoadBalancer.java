package io.qmesh.proxy.lb;

import java.util.List;

/**
 * Envoy's LEAST_REQUEST with choice_count 2 ("power of two choices"): sample two distinct endpoints at
 * random and take the one with fewer active requests. Weights are not applied (Envoy applies them
 * only when they differ; we document the simplification).
 */
public final class LeastRequestLoadBalancer extends AbstractLoadBalancer {

    public LeastRequestLoadBalancer(List<LbEndpoint> endpoints, RandomSource random) {
        super(endpoints, random);
    }

    @Override
    protected LbEndpoint pickOnce(Long hash) {
        int n = eligible.size();
        if (n == 1) {
            return eligible.get(0);
        }
        int a = random.nextInt(n);
        int b = random.nextInt(n - 1);
        if (b >= a) {
            b++;
        }
        LbEndpoint first = eligible.get(a);
        LbEndpoint second = eligible.get(b);
        return second.counters().activeRequests.get() < first.counters().activeRequests.get() ? second : first;
    }
}
