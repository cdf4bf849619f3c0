package io.qmesh.proxy.lb;

import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/** Randomness for load balancing, weighted clusters, faults and retry jitter; tests inject a seeded one. */
public interface RandomSource {

    /** Uniform in [0, bound). */
    int nextInt(int bound);

    /** Uniform in [0, 1). */
    double nextDouble();

    RandomSource THREAD_LOCAL = new RandomSource() {
        @Override
        public int nextInt(int bound) {
            return ThreadLocalRandom.current().nextInt(bound);
        }

        @Override
        public double nextDouble() {
            return ThreadLocalRandom.current().nextDouble();
        }
    };

    /** A deterministic source for tests (java.util.Random is thread-safe). */
    static RandomSource seeded(long seed) {
        Random random = new Random(seed);
        return new RandomSource() {
            @Override
            public int nextInt(int bound) {
                return random.nextInt(bound);
            }

            @Override
            public double nextDouble() {
                return random.nextDouble();
            }
        };
    }
}
