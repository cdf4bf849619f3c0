package io.qmesh.proxy.lb;

import java.util.List;
import java.util.function.Predicate;

/** Shared host-selection loop: pick, and retry the pick while the endpoint is excluded. */
abstract class AbstractLoadBalancer implements LoadBalancer {

    protected final List<LbEndpoint> all;
    protected final List<LbEndpoint> eligible;
    protected final RandomSource random;
    private final int healthyCount;

    AbstractLoadBalancer(List<LbEndpoint> endpoints, RandomSource random) {
        this.all = List.copyOf(endpoints);
        this.eligible = LoadBalancer.eligible(all);
        this.random = random;
        this.healthyCount = (int) all.stream().filter(LbEndpoint::healthy).count();
    }

    @Override
    public final LbEndpoint pick(Long hash, Predicate<LbEndpoint> excluded, int maxAttempts) {
        if (eligible.isEmpty()) {
            return null;
        }
        LbEndpoint chosen = null;
        for (int attempt = 0; attempt < Math.max(1, maxAttempts); attempt++) {
            // A different hash per attempt walks to another host on the ring, like Envoy's rehash.
            Long h = hash == null ? null : (attempt == 0 ? hash : Hashing.mix(hash + attempt));
            chosen = pickOnce(h);
            if (excluded == null || !excluded.test(chosen)) {
                return chosen;
            }
        }
        // Every draw hit an excluded host: take the next eligible one that is not excluded, if any.
        int start = random.nextInt(eligible.size());
        for (int i = 0; i < eligible.size(); i++) {
            LbEndpoint e = eligible.get((start + i) % eligible.size());
            if (!excluded.test(e)) {
                return e;
            }
        }
        return chosen;
    }

    protected abstract LbEndpoint pickOnce(Long hash);

    @Override
    public List<LbEndpoint> endpoints() {
        return all;
    }

    @Override
    public int healthyCount() {
        return healthyCount;
    }
}
