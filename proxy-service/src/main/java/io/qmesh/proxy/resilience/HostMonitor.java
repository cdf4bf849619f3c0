package io.qmesh.proxy.resilience;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One endpoint's outlier state: consecutive 5xx and gateway-failure runs, whether it is ejected, since
 * when, and its ejection back-off multiplier. Lives as long as the endpoint (across config
 * generations); written by every event loop that reports a result, so every field is atomic.
 */
public final class HostMonitor {

    final AtomicInteger consecutive5xx = new AtomicInteger();
    final AtomicInteger consecutiveGateway = new AtomicInteger();
    final AtomicBoolean ejected = new AtomicBoolean();
    /** Multiplies base_ejection_time: +1 per ejection (capped), -1 per interval spent healthy. */
    final AtomicInteger backoff = new AtomicInteger();
    final LongAdder ejections = new LongAdder();
    volatile long lastEjectionNanos;

    /** True while the outlier detector keeps this endpoint out of load balancing (failed_outlier_check). */
    public boolean ejected() {
        return ejected.get();
    }

    /** How many times this endpoint has been ejected. */
    public long ejectionCount() {
        return ejections.sum();
    }

    /** The current back-off multiplier of base_ejection_time. */
    public int backoff() {
        return backoff.get();
    }

    void resetConsecutive() {
        consecutive5xx.set(0);
        consecutiveGateway.set(0);
    }
}
