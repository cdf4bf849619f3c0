package io.qmesh.proxy.xds;

import io.qmesh.proxy.lb.RandomSource;

/** Exponential reconnect back-off with full jitter, reset after a successful response. */
public final class Backoff {

    private final long initialMillis;
    private final long maxMillis;
    private final RandomSource random;
    private int failures;

    public Backoff(long initialMillis, long maxMillis, RandomSource random) {
        this.initialMillis = initialMillis;
        this.maxMillis = maxMillis;
        this.random = random;
    }

    public synchronized long nextDelayMillis() {
        long ceiling = Math.min(maxMillis, initialMillis << Math.min(failures, 20));
        failures++;
        // At least half the ceiling, so that a flapping control plane is not hammered.
        return ceiling / 2 + (long) (random.nextDouble() * (ceiling / 2.0));
    }

    public synchronized void reset() {
        failures = 0;
    }
}
