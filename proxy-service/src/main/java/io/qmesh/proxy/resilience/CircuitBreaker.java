package io.qmesh.proxy.resilience;

import io.qmesh.proxy.stats.StatsRegistry;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Envoy's per-cluster circuit breaker (default priority): open connections, pending requests (waiting
 * for a connection), active requests and active retries, each against its threshold. Shared by every
 * event loop and every config generation of the cluster; each admission is checked against the
 * thresholds of the generation the request runs in (so a rejected push never changes them).
 *
 * <p>Lock-free: each admission is a CAS loop on one counter, so a limit is never exceeded by a race
 * (Envoy checks then increments, and may overshoot by a few; we do not). Connections are the
 * exception: as in Envoy, a connection pool with no connection at all may always open one, so that
 * waiting requests cannot be stranded; the overflow is still counted ({@code upstream_cx_overflow}).
 */
public final class CircuitBreaker {

    /**
     * A cluster's {@code circuit_breakers.thresholds} for the DEFAULT priority. Envoy's defaults apply
     * when the cluster has none (1024 connections, pending and requests, 3 retries); Istio always
     * sends explicit values, 2^32-1 for anything the DestinationRule leaves unset.
     */
    public record Thresholds(long maxConnections, long maxPendingRequests, long maxRequests, long maxRetries) {
        public static final Thresholds ENVOY_DEFAULTS = new Thresholds(1024, 1024, 1024, 3);
    }

    /** A request refused because a threshold was reached: 503, {@code x-envoy-overloaded: true}, UO. */
    public static final class OverflowException extends Exception {
        public static final OverflowException INSTANCE = new OverflowException();

        private OverflowException() {
            super("upstream overflow", null, false, false);
        }
    }

    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final LongAdder cxOverflow;
    private final LongAdder pendingOverflow;
    private final LongAdder retryOverflow;

    /** The overflow counters are registered at once, so that /stats shows them at 0 (as Envoy does). */
    public CircuitBreaker(String statPrefix, StatsRegistry stats) {
        this.cxOverflow = stats.counter(statPrefix + "upstream_cx_overflow");
        this.pendingOverflow = stats.counter(statPrefix + "upstream_rq_pending_overflow");
        this.retryOverflow = stats.counter(statPrefix + "upstream_rq_retry_overflow");
    }

    /** Admits one active request (max_requests); on overflow counts {@code upstream_rq_pending_overflow}, as Envoy's pool does. */
    public boolean tryAcquireRequest(Thresholds thresholds) {
        return admit(requests, thresholds.maxRequests(), pendingOverflow);
    }

    public void releaseRequest() {
        requests.decrementAndGet();
    }

    /** Admits one request waiting for a connection (max_pending_requests); counts the overflow. */
    public boolean tryAcquirePending(Thresholds thresholds) {
        return admit(pending, thresholds.maxPendingRequests(), pendingOverflow);
    }

    public void releasePending() {
        pending.decrementAndGet();
    }

    /** Admits one request into retrying (max_retries: requests retrying at once); counts the overflow. */
    public boolean tryAcquireRetry(Thresholds thresholds) {
        return admit(retries, thresholds.maxRetries(), retryOverflow);
    }

    public void releaseRetry() {
        retries.decrementAndGet();
    }

    /**
     * Opens a connection slot. Returns false (and counts {@code upstream_cx_overflow}) when
     * max_connections is reached, unless {@code force} (the pool has no connection to this host at
     * all), in which case the connection is opened and counted over the limit, as Envoy does.
     */
    public boolean tryOpenConnection(Thresholds thresholds, boolean force) {
        if (admit(connections, thresholds.maxConnections(), cxOverflow)) {
            return true;
        }
        if (force) {
            connections.incrementAndGet();
            return true;
        }
        return false;
    }

    public void connectionClosed() {
        connections.decrementAndGet();
    }

    public long openConnections() {
        return connections.get();
    }

    public long pendingRequests() {
        return pending.get();
    }

    public long activeRequests() {
        return requests.get();
    }

    public long activeRetries() {
        return retries.get();
    }

    /** Takes one unit of {@code counter} if it is below {@code max}, else counts the overflow. */
    private static boolean admit(AtomicLong counter, long max, LongAdder overflow) {
        while (true) {
            long current = counter.get();
            if (current >= max) {
                overflow.increment();
                return false;
            }
            if (counter.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }
}
