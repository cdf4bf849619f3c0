package io.qmesh.proxy.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Envoy's continuous-refill token bucket on a fake ticker. */
class TokenBucketTest {
    static final long SECOND = 1_000_000_000L;
    final AtomicLong now = new AtomicLong(-7 * SECOND); // any origin: nanoTime may be negative

    @Test
    void startsFullAndRefusesWhenEmpty() {
        TokenBucket b = new TokenBucket(10, 10, 60 * SECOND, now::get);
        for (int i = 0; i < 10; i++) {
            assertTrue(b.tryConsume(), "token " + i);
        }
        assertFalse(b.tryConsume(), "the 11th within the minute");
        assertEquals(0, b.available());
    }

    @Test
    void refillsContinuouslyAtTokensPerFillOverFillInterval() {
        TokenBucket b = new TokenBucket(10, 10, 60 * SECOND, now::get);
        while (b.tryConsume()) {
            // drain
        }
        now.addAndGet(6 * SECOND - 1);
        assertFalse(b.tryConsume(), "one token takes 6 s at 10 per minute");
        now.addAndGet(1);
        assertTrue(b.tryConsume());
        assertFalse(b.tryConsume());
        now.addAndGet(30 * SECOND);
        assertEquals(5, b.available());
    }

    @Test
    void neverHoldsMoreThanMaxTokens() {
        TokenBucket b = new TokenBucket(3, 100, SECOND, now::get);
        now.addAndGet(3600 * SECOND);
        assertEquals(3, b.available());
        assertTrue(b.tryConsume() && b.tryConsume() && b.tryConsume());
        assertFalse(b.tryConsume(), "an idle hour does not bank more than the burst");
    }

    @Test
    void inexactRatesStillGrantTheWholeBurst() {
        TokenBucket b = new TokenBucket(3, 3, SECOND, now::get); // 333 333 333.3 ns per token
        assertTrue(b.tryConsume() && b.tryConsume() && b.tryConsume());
        assertFalse(b.tryConsume());
    }

    @Test
    void anUnlimitedBucketNeverEmpties() {
        TokenBucket b = new TokenBucket(4_294_967_295L, 4_294_967_295L, SECOND, now::get);
        for (int i = 0; i < 100_000; i++) {
            assertTrue(b.tryConsume());
        }
    }

    @Test
    void concurrentTakesNeverExceedTheTokens() throws Exception {
        TokenBucket b = new TokenBucket(1000, 1, 3600 * SECOND, now::get);
        AtomicInteger granted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < 4; t++) {
            pool.execute(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 5000; i++) {
                    if (b.tryConsume()) {
                        granted.incrementAndGet();
                    }
                }
            });
        }
        go.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(1000, granted.get());
    }
}
