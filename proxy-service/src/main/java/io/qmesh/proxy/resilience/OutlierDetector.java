package io.qmesh.proxy.resilience;

import io.qmesh.proxy.stats.StatsRegistry;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Envoy's outlier detection for one cluster, consecutive-error flavours: a host whose run of 5xx
 * (consecutive_5xx) or of 502/503/504 and local connect failures / timeouts
 * (consecutive_gateway_failure) reaches its threshold is ejected at once, if
 * enforcing_* allows it and ejecting it keeps the ejected share within max_ejection_percent (else
 * {@code ejections_overflow}). Every {@code interval} a sweep returns hosts whose ejection time has
 * passed: {@code base_ejection_time * backoff}, capped at {@code max(base, max_ejection_time)}; the
 * back-off grows by one per ejection and shrinks by one per interval spent healthy.
 *
 * <p>Results arrive from every event loop; the ejection count is admitted with a CAS so that
 * concurrent detections cannot exceed max_ejection_percent. The sweep runs on one thread
 * ({@link #tick()}), driven by the injected ticker; tests advance a fake one.
 */
public final class OutlierDetector {

    /**
     * A cluster's {@code outlier_detection}, with Envoy's defaults filled in.
     *
     * @param enforcing5xxPercent     enforcing_consecutive_5xx (default 100)
     * @param enforcingGatewayPercent enforcing_consecutive_gateway_failure (default 0, as in Envoy)
     */
    public record Config(int consecutive5xx, int enforcing5xxPercent, int consecutiveGateway,
                         int enforcingGatewayPercent, long intervalNanos, long baseEjectionNanos,
                         long maxEjectionNanos, int maxEjectionPercent) {
    }

    private final LongSupplier ticker;
    private final DoubleSupplier random;
    private volatile Config config;
    private volatile List<HostMonitor> hosts = List.of();
    private final AtomicInteger active = new AtomicInteger();
    private volatile long nextSweepNanos;

    private final LongAdder ejectionsActive;
    private final LongAdder ejectionsTotal;
    private final LongAdder ejectionsOverflow;
    private final LongAdder enforcedTotal;
    private final LongAdder detected5xx;
    private final LongAdder enforced5xx;
    private final LongAdder detectedGateway;
    private final LongAdder enforcedGateway;

    /** Counters are Envoy's {@code cluster.<name>.outlier_detection.*}, registered at once. */
    public OutlierDetector(String statPrefix, StatsRegistry stats, LongSupplier ticker, DoubleSupplier random) {
        this.ticker = ticker;
        this.random = random;
        String p = statPrefix + "outlier_detection.";
        ejectionsActive = stats.counter(p + "ejections_active");
        ejectionsTotal = stats.counter(p + "ejections_total");
        ejectionsOverflow = stats.counter(p + "ejections_overflow");
        enforcedTotal = stats.counter(p + "ejections_enforced_total");
        detected5xx = stats.counter(p + "ejections_detected_consecutive_5xx");
        enforced5xx = stats.counter(p + "ejections_enforced_consecutive_5xx");
        detectedGateway = stats.counter(p + "ejections_detected_consecutive_gateway_failure");
        enforcedGateway = stats.counter(p + "ejections_enforced_consecutive_gateway_failure");
    }

    /**
     * A new generation of the cluster: its outlier_detection (null = none: every host returns) and
     * its endpoints' monitors. Hosts that left stop counting toward the ejected share.
     */
    public synchronized void update(Config newConfig, List<HostMonitor> newHosts) {
        Config old = config;
        config = newConfig;
        hosts = List.copyOf(newHosts);
        if (newConfig == null) {
            newHosts.forEach(this::uneject);
        } else if (old == null || old.intervalNanos() != newConfig.intervalNanos()) {
            nextSweepNanos = ticker.getAsLong() + newConfig.intervalNanos();
        }
        int ejected = (int) hosts.stream().filter(HostMonitor::ejected).count();
        ejectionsActive.add(ejected - active.getAndSet(ejected));
    }

    public boolean enabled() {
        return config != null;
    }

    /** How many hosts are ejected now (0 on the fast path: the load balancer then skips every check). */
    public int activeEjections() {
        return active.get();
    }

    /** An upstream response's status for this host. */
    public void reportStatus(HostMonitor h, int status) {
        Config c = config;
        if (c == null) {
            return;
        }
        if (status >= 500) {
            if (status == 502 || status == 503 || status == 504) {
                if (h.consecutiveGateway.incrementAndGet() == c.consecutiveGateway()) {
                    h.consecutiveGateway.set(0);
                    detect(c, h, detectedGateway, enforcedGateway, c.enforcingGatewayPercent());
                }
            } else if (h.consecutiveGateway.get() != 0) {
                h.consecutiveGateway.set(0);
            }
            if (h.consecutive5xx.incrementAndGet() == c.consecutive5xx()) {
                h.consecutive5xx.set(0);
                detect(c, h, detected5xx, enforced5xx, c.enforcing5xxPercent());
            }
        } else if (h.consecutive5xx.get() != 0 || h.consecutiveGateway.get() != 0) {
            h.resetConsecutive();
        }
    }

    /**
     * A failure of local origin (no split_external_local_origin_errors, Envoy's default): a connect
     * failure or reset counts as a 503, a timeout as a 504.
     */
    public void reportLocalFailure(HostMonitor h, boolean timeout) {
        reportStatus(h, timeout ? 504 : 503);
    }

    private void detect(Config c, HostMonitor h, LongAdder detected, LongAdder enforced, int enforcingPercent) {
        if (h.ejected()) {
            return;
        }
        detected.increment();
        int n = Math.max(1, hosts.size());
        if (100.0 * (active.get() + 1) / n > c.maxEjectionPercent()) {
            ejectionsOverflow.increment();
            return;
        }
        ejectionsTotal.increment();
        if (enforcingPercent < 100 && random.getAsDouble() * 100 >= enforcingPercent) {
            return;
        }
        while (true) {
            int current = active.get();
            if (100.0 * (current + 1) / n > c.maxEjectionPercent()) {
                ejectionsOverflow.increment(); // lost a race with another ejection
                return;
            }
            if (active.compareAndSet(current, current + 1)) {
                break;
            }
        }
        if (!h.ejected.compareAndSet(false, true)) {
            active.decrementAndGet(); // another event loop ejected it first
            return;
        }
        h.lastEjectionNanos = ticker.getAsLong();
        // Envoy: the back-off grows while base * backoff < max_ejection_time + base.
        h.backoff.updateAndGet(b -> b * c.baseEjectionNanos() < c.maxEjectionNanos() + c.baseEjectionNanos() ? b + 1 : b);
        h.ejections.increment();
        ejectionsActive.increment();
        enforcedTotal.increment();
        enforced.increment();
    }

    /** Runs the interval sweep when it is due; called often (every 100 ms) from one thread. */
    public void tick() {
        Config c = config;
        long now = ticker.getAsLong();
        if (c == null || now - nextSweepNanos < 0) {
            return;
        }
        nextSweepNanos = now + c.intervalNanos();
        for (HostMonitor h : hosts) {
            if (h.ejected()) {
                long ejectedFor = Math.min(c.baseEjectionNanos() * h.backoff(),
                        Math.max(c.baseEjectionNanos(), c.maxEjectionNanos()));
                if (now - h.lastEjectionNanos >= ejectedFor) {
                    uneject(h);
                }
            } else if (h.backoff() > 0) {
                h.backoff.decrementAndGet();
            }
        }
    }

    private void uneject(HostMonitor h) {
        if (h.ejected.compareAndSet(true, false)) {
            active.decrementAndGet();
            ejectionsActive.decrement();
            // As Envoy: a returning host starts with clean runs, so a few errors do not eject it again.
            h.resetConsecutive();
        }
    }
}
