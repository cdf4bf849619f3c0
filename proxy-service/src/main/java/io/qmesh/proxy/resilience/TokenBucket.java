package io.qmesh.proxy.resilience;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Envoy's token bucket ({@code envoy.type.v3.TokenBucket}) as its local rate limiter runs it since the
 * timer-based refill was removed: it starts full with {@code maxTokens}, refills continuously at
 * {@code tokensPerFill / fillInterval}, and a request takes one token or is refused.
 *
 * <p>Lock-free: the whole state is one long, the (ticker-relative) instant at which the bucket would be
 * empty. The tokens available at {@code now} are {@code (now - emptyAt) / step} ({@code step}: the time one token takes to refill), capped at
 * {@code maxTokens}; taking one moves {@code emptyAt} forward by {@code step}. A CAS loop makes
 * concurrent takes from several event loops exact, as Envoy's atomic bucket does.
 */
public final class TokenBucket {
    private final long maxTokens;
    private final double tokensPerSecond;
    /** Nanoseconds per token, rounded up; 0 when the rate exceeds one token per nanosecond (never empties). */
    private final long step;
    /** How far back {@code emptyAt} may lag {@code now}: the time a full bucket takes to fill, capped. */
    private final long fullSpan;
    private final LongSupplier ticker;
    private final long origin;
    private final AtomicLong emptyAt;

    /**
     * @param fillIntervalNanos Envoy's {@code fill_interval}
     * @param ticker            monotonic nanoseconds (System::nanoTime; a fake in tests)
     */
    public TokenBucket(long maxTokens, long tokensPerFill, long fillIntervalNanos, LongSupplier ticker) {
        if (maxTokens < 1 || tokensPerFill < 1 || fillIntervalNanos < 1) {
            throw new IllegalArgumentException("maxTokens, tokensPerFill and fillInterval must be positive");
        }
        this.maxTokens = maxTokens;
        this.tokensPerSecond = tokensPerFill * 1e9 / fillIntervalNanos;
        this.step = tokensPerFill > fillIntervalNanos ? 0 : (fillIntervalNanos + tokensPerFill - 1) / tokensPerFill;
        this.fullSpan = step == 0 ? 0 : maxTokens > (Long.MAX_VALUE >> 2) / step ? Long.MAX_VALUE >> 2 : maxTokens * step;
        this.ticker = ticker;
        this.origin = ticker.getAsLong();
        this.emptyAt = new AtomicLong(-fullSpan);
    }

    /** Takes one token if there is one. */
    public boolean tryConsume() {
        if (step == 0) {
            return true;
        }
        long now = ticker.getAsLong() - origin;
        while (true) {
            long e = emptyAt.get();
            long start = now - e > fullSpan ? now - fullSpan : e;
            long next = start + step;
            if (next > now) {
                return false;
            }
            if (emptyAt.compareAndSet(e, next)) {
                return true;
            }
        }
    }

    /** Whole tokens available now (for /stats-style introspection and tests). */
    public long available() {
        long elapsed = ticker.getAsLong() - origin - emptyAt.get();
        return step == 0 || elapsed >= fullSpan ? maxTokens : Math.max(0, elapsed / step);
    }

    /** Refill rate in tokens per second: the order in which matched descriptors are consumed. */
    public double tokensPerSecond() {
        return tokensPerSecond;
    }

    public long maxTokens() {
        return maxTokens;
    }
}
