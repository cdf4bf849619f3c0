package io.qmesh.proxy.lb;

import java.util.List;

/** Weighted random choice. */
public final class RandomLoadBalancer extends AbstractLoadBalancer {

    private final long[] cumulative;

    public RandomLoadBalancer(List<LbEndpoint> endpoints, RandomSource random) {
        super(endpoints, random);
        cumulative = new long[eligible.size()];
        long sum = 0;
        for (int i = 0; i < eligible.size(); i++) {
            sum += Math.max(1, eligible.get(i).weight());
            cumulative[i] = sum;
        }
    }

    @Override
    protected LbEndpoint pickOnce(Long hash) {
        long total = cumulative[cumulative.length - 1];
        long r = (long) (random.nextDouble() * total);
        for (int i = 0; i < cumulative.length; i++) {
            if (r < cumulative[i]) {
                return eligible.get(i);
            }
        }
        return eligible.get(eligible.size() - 1);
    }
}
