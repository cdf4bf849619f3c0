package io.qmesh.proxy.filter.ratelimit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmesh.proxy.filter.ratelimit.LocalRateLimiter.DescriptorSpec;
import io.qmesh.proxy.filter.ratelimit.RateLimits.Entry;
import io.qmesh.proxy.resilience.TokenBucket;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Envoy's descriptor rules: exact before wildcard, a bucket per wildcard value, slowest first, the default bucket. */
class LocalRateLimiterTest {
    static final long MINUTE = 60_000_000_000L;
    final AtomicLong now = new AtomicLong();

    LocalRateLimiter limiter(long defaultTokens, boolean alwaysConsumeDefault, int lru, DescriptorSpec... descriptors) {
        return new LocalRateLimiter(new TokenBucket(defaultTokens, defaultTokens, MINUTE, now::get), alwaysConsumeDefault,
                List.of(descriptors), lru, now::get);
    }

    static DescriptorSpec spec(long tokens, Entry... entries) {
        return new DescriptorSpec(List.of(entries), tokens, tokens, MINUTE);
    }

    static List<List<Entry>> user(String name) {
        return List.of(List.of(new Entry("end-user", name)));
    }

    @Test
    void wildcardGivesEachValueItsOwnBucketAndExactWins() {
        LocalRateLimiter l = limiter(4_294_967_295L, false, 20,
                spec(1, new Entry("end-user", "jason")), spec(2, new Entry("end-user", "")));
        assertTrue(l.allow(user("jason")));
        assertFalse(l.allow(user("jason")), "jason's own exact descriptor holds one");
        assertTrue(l.allow(user("mike")));
        assertTrue(l.allow(user("mike")));
        assertFalse(l.allow(user("mike")), "the wildcard gives mike two");
        assertTrue(l.allow(user("ann")), "ann has her own bucket");
        assertTrue(l.allow(List.of()), "no descriptor: the (unlimited) default bucket");
    }

    @Test
    void defaultBucketIsAlsoTakenFromUnlessSaidOtherwise() {
        LocalRateLimiter l = limiter(2, true, 20, spec(5, new Entry("end-user", "")));
        assertTrue(l.allow(user("a")));
        assertTrue(l.allow(user("b")));
        assertFalse(l.allow(user("c")), "the default bucket (2) is shared by every request");

        LocalRateLimiter notAlways = limiter(2, false, 20, spec(5, new Entry("end-user", "")));
        for (int i = 0; i < 5; i++) {
            assertTrue(notAlways.allow(user("a")));
        }
        assertTrue(notAlways.allow(List.of()) && notAlways.allow(List.of()));
        assertFalse(notAlways.allow(List.of()), "unmatched requests use the default bucket");
    }

    @Test
    void leastRecentlyUsedValuesAreForgottenBeyondMaxDynamicDescriptors() {
        LocalRateLimiter l = limiter(4_294_967_295L, false, 2, spec(1, new Entry("end-user", "")));
        assertTrue(l.allow(user("a")));
        assertTrue(l.allow(user("b")));
        assertTrue(l.allow(user("c")), "evicts a");
        assertFalse(l.allow(user("c")));
        assertTrue(l.allow(user("a")), "a was forgotten, so it starts full again (as Envoy's LRU does)");
    }

    @Test
    void aRefusalStopsBeforeTheFasterBuckets() {
        DescriptorSpec slow = new DescriptorSpec(List.of(new Entry("k", "1")), 1, 1, MINUTE);
        DescriptorSpec fast = new DescriptorSpec(List.of(new Entry("j", "1")), 5, 100, MINUTE);
        LocalRateLimiter l = limiter(4_294_967_295L, false, 20, fast, slow);
        List<List<Entry>> both = List.of(List.of(new Entry("j", "1")), List.of(new Entry("k", "1")));
        assertTrue(l.allow(both));
        assertFalse(l.allow(both), "the slow bucket is empty");
        for (int i = 0; i < 4; i++) {
            assertTrue(l.allow(List.of(List.of(new Entry("j", "1")))), "the refused requests took nothing from the fast one");
        }
    }
}
