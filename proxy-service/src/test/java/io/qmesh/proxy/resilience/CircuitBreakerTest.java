package io.qmesh.proxy.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmesh.proxy.stats.StatsRegistry;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    static final String P = "cluster.outbound|9080||reviews.default.svc.cluster.local.";
    final StatsRegistry stats = new StatsRegistry();
    final CircuitBreaker breaker = new CircuitBreaker(P, stats);

    @Test
    void overflowCountersExistAtZero() {
        assertTrue(stats.snapshot().containsKey(P + "upstream_rq_pending_overflow"));
        assertTrue(stats.snapshot().containsKey(P + "upstream_cx_overflow"));
        assertTrue(stats.snapshot().containsKey(P + "upstream_rq_retry_overflow"));
        assertEquals(0, stats.get(P + "upstream_rq_pending_overflow"));
    }

    @Test
    void pendingRequestsAreLimitedAndCounted() {
        var t = new CircuitBreaker.Thresholds(1, 2, 100, 3);
        assertTrue(breaker.tryAcquirePending(t));
        assertTrue(breaker.tryAcquirePending(t));
        assertFalse(breaker.tryAcquirePending(t));
        assertFalse(breaker.tryAcquirePending(t));
        assertEquals(2, stats.get(P + "upstream_rq_pending_overflow"));
        assertEquals(2, breaker.pendingRequests());
        breaker.releasePending();
        assertTrue(breaker.tryAcquirePending(t));
        assertEquals(2, stats.get(P + "upstream_rq_pending_overflow"));
    }

    @Test
    void activeRequestOverflowCountsAsPendingOverflow() {
        var t = new CircuitBreaker.Thresholds(100, 100, 1, 3);
        assertTrue(breaker.tryAcquireRequest(t));
        assertFalse(breaker.tryAcquireRequest(t));
        assertEquals(1, stats.get(P + "upstream_rq_pending_overflow"));
        breaker.releaseRequest();
        assertTrue(breaker.tryAcquireRequest(t));
        assertEquals(1, breaker.activeRequests());
    }

    @Test
    void retriesAreLimitedAndCounted() {
        var t = new CircuitBreaker.Thresholds(100, 100, 100, 1);
        assertTrue(breaker.tryAcquireRetry(t));
        assertFalse(breaker.tryAcquireRetry(t));
        assertEquals(1, stats.get(P + "upstream_rq_retry_overflow"));
        breaker.releaseRetry();
        assertEquals(0, breaker.activeRetries());
        assertTrue(breaker.tryAcquireRetry(t));
    }

    @Test
    void connectionsOverTheLimitOnlyWhenForcedAndAlwaysCounted() {
        var t = new CircuitBreaker.Thresholds(1, 100, 100, 3);
        assertTrue(breaker.tryOpenConnection(t, false));
        assertFalse(breaker.tryOpenConnection(t, false));
        assertEquals(1, stats.get(P + "upstream_cx_overflow"));
        // A pool with no connection to its host may always open one (Envoy), still counted as overflow.
        assertTrue(breaker.tryOpenConnection(t, true));
        assertEquals(2, stats.get(P + "upstream_cx_overflow"));
        assertEquals(2, breaker.openConnections());
        breaker.connectionClosed();
        breaker.connectionClosed();
        assertTrue(breaker.tryOpenConnection(t, false));
    }

    @Test
    void newThresholdsApplyToTheNextAdmission() {
        assertTrue(breaker.tryAcquireRequest(new CircuitBreaker.Thresholds(1, 1, 1, 1)));
        assertFalse(breaker.tryAcquireRequest(new CircuitBreaker.Thresholds(1, 1, 1, 1)));
        assertTrue(breaker.tryAcquireRequest(new CircuitBreaker.Thresholds(1, 1, 2, 1)));
    }

    @Test
    void concurrentAdmissionsNeverExceedTheLimit() throws Exception {
        var t = new CircuitBreaker.Thresholds(100, 7, 100, 3);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < 8; i++) {
            pool.submit(() -> {
                go.await();
                for (int j = 0; j < 1000; j++) {
                    if (breaker.tryAcquirePending(t)) {
                        admitted.incrementAndGet();
                    }
                }
                return null;
            });
        }
        go.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(7, admitted.get());
        assertEquals(8000 - 7, stats.get(P + "upstream_rq_pending_overflow"));
    }
}
