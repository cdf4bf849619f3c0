package io.qmesh.proxy.filter.ratelimit;

import io.qmesh.proxy.filter.ratelimit.RateLimits.Entry;
import io.qmesh.proxy.resilience.TokenBucket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The buckets of one local rate limit config, decided as Envoy's {@code LocalRateLimiterImpl} decides:
 * every request descriptor that equals a configured descriptor, or else matches a wildcard one (an entry
 * without value matches any value, and each distinct value gets its own bucket, the least recently used
 * dropped beyond {@code max_dynamic_descriptors}), takes a token from its bucket, the slowest-filling
 * first, and the first refusal limits the request; then the default bucket is taken from if no
 * descriptor matched or {@code always_consume_default_token_bucket} (the default) is set.
 *
 * <p>Thread-safety: the buckets are lock-free; the wildcard LRU maps are guarded by their own monitor
 * (held only for a lookup or insert, as Envoy guards them with a mutex).
 */
public final class LocalRateLimiter {

    /** One configured descriptor: its entries (an empty value is a wildcard) and its bucket's settings. */
    public record DescriptorSpec(List<Entry> entries, long maxTokens, long tokensPerFill, long fillIntervalNanos) {
        boolean wildcard() {
            return entries.stream().anyMatch(e -> e.value().isEmpty());
        }

        boolean matches(List<Entry> request) {
            if (request.size() != entries.size()) {
                return false;
            }
            for (int i = 0; i < entries.size(); i++) {
                Entry c = entries.get(i);
                Entry r = request.get(i);
                if (!c.key().equals(r.key()) || (!c.value().isEmpty() && !c.value().equals(r.value()))) {
                    return false;
                }
            }
            return true;
        }
    }

    private final TokenBucket defaultBucket;
    private final boolean alwaysConsumeDefault;
    private final Map<List<Entry>, TokenBucket> exact = new java.util.HashMap<>();
    private final List<Wildcard> wildcards = new ArrayList<>();

    public LocalRateLimiter(TokenBucket defaultBucket, boolean alwaysConsumeDefault, List<DescriptorSpec> descriptors,
                            int maxDynamicDescriptors, LongSupplier ticker) {
        this.defaultBucket = defaultBucket;
        this.alwaysConsumeDefault = alwaysConsumeDefault;
        for (DescriptorSpec d : descriptors) {
            if (d.wildcard()) {
                wildcards.add(new Wildcard(d, maxDynamicDescriptors, ticker));
            } else {
                exact.put(d.entries(), new TokenBucket(d.maxTokens(), d.tokensPerFill(), d.fillIntervalNanos(), ticker));
            }
        }
    }

    /** Whether the request with these descriptors may pass; takes its tokens if so (and up to the refusal if not). */
    public boolean allow(List<List<Entry>> requestDescriptors) {
        List<TokenBucket> matched = List.of();
        if (requestDescriptors.size() == 1 && (!exact.isEmpty() || !wildcards.isEmpty())) {
            // One descriptor, one bucket at most: nothing to collect or order.
            TokenBucket b = bucketFor(requestDescriptors.get(0));
            if (b != null && !b.tryConsume()) {
                return false;
            }
            return b == null || alwaysConsumeDefault ? defaultBucket.tryConsume() : true;
        }
        if (!requestDescriptors.isEmpty() && (!exact.isEmpty() || !wildcards.isEmpty())) {
            matched = new ArrayList<>(requestDescriptors.size());
            for (List<Entry> rd : requestDescriptors) {
                TokenBucket b = bucketFor(rd);
                if (b != null) {
                    matched.add(b);
                }
            }
            if (matched.size() > 1) {
                matched.sort(Comparator.comparingDouble(TokenBucket::tokensPerSecond));
            }
            for (TokenBucket b : matched) {
                if (!b.tryConsume()) {
                    return false;
                }
            }
        }
        if (matched.isEmpty() || alwaysConsumeDefault) {
            return defaultBucket.tryConsume();
        }
        return true;
    }

    /** The bucket of a request descriptor: the configured descriptor equal to it, else the first wildcard matching it. */
    private TokenBucket bucketFor(List<Entry> requestDescriptor) {
        TokenBucket b = exact.get(requestDescriptor);
        if (b == null) {
            for (Wildcard w : wildcards) {
                if (w.spec.matches(requestDescriptor)) {
                    return w.bucketFor(requestDescriptor);
                }
            }
        }
        return b;
    }

    /** A wildcard descriptor: a bucket per distinct request descriptor it matches, least recently used dropped. */
    private static final class Wildcard {
        final DescriptorSpec spec;
        final LongSupplier ticker;
        final LinkedHashMap<List<Entry>, TokenBucket> buckets;

        Wildcard(DescriptorSpec spec, int lruSize, LongSupplier ticker) {
            this.spec = spec;
            this.ticker = ticker;
            this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<List<Entry>, TokenBucket> eldest) {
                    return size() > lruSize;
                }
            };
        }

        synchronized TokenBucket bucketFor(List<Entry> request) {
            TokenBucket b = buckets.get(request);
            if (b == null) {
                b = new TokenBucket(spec.maxTokens(), spec.tokensPerFill(), spec.fillIntervalNanos(), ticker);
                buckets.put(List.copyOf(request), b);
            }
            return b;
        }
    }
}
