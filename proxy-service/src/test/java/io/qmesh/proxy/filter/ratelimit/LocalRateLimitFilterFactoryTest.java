package io.qmesh.proxy.filter.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.stats.StatsRegistry;
import org.junit.jupiter.api.Test;

/** NACK messages with Envoy's rules, and buckets kept across re-translations of the same place. */
class LocalRateLimitFilterFactoryTest {
    final LocalRateLimitFilterFactory factory = new LocalRateLimitFilterFactory(new StatsRegistry(), System::nanoTime);
    static final String FIELD = "route_config[9080].virtual_hosts[0].typed_per_filter_config[envoy.filters.http.local_ratelimit]";

    static TokenBucket bucket(int tokens, long millis) {
        return TokenBucket.newBuilder().setMaxTokens(tokens)
                .setFillInterval(Duration.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000)).build();
    }

    String nack(LocalRateLimit config) {
        return assertThrows(InvalidConfigException.class, () -> factory.parsePerRoute(Any.pack(config), FIELD)).getMessage();
    }

    @Test
    void rejectsWhatEnvoyRejects() {
        assertEquals(FIELD + ".token_bucket: missing (expected: a token bucket in a per-route config)",
                nack(LocalRateLimit.newBuilder().setStatPrefix("p").build()));
        assertEquals(FIELD + ".token_bucket.fill_interval: 10ms (expected: >= 50ms)",
                nack(LocalRateLimit.newBuilder().setStatPrefix("p").setTokenBucket(bucket(5, 10)).build()));
        assertEquals(FIELD + ".token_bucket.max_tokens: 0 (expected: > 0)",
                nack(LocalRateLimit.newBuilder().setStatPrefix("p").setTokenBucket(bucket(0, 1000)).build()));
        assertEquals(FIELD + ".stat_prefix: \"\" (expected: a stat prefix)",
                nack(LocalRateLimit.newBuilder().setTokenBucket(bucket(5, 1000)).build()));
        LocalRateLimitDescriptor d = LocalRateLimitDescriptor.newBuilder()
                .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey("end-user")).setTokenBucket(bucket(1, 1500)).build();
        assertEquals(FIELD + ".descriptors[0].token_bucket.fill_interval: 1500ms (expected: a multiple of " + FIELD
                        + ".token_bucket.fill_interval, 1000ms)",
                nack(LocalRateLimit.newBuilder().setStatPrefix("p").setTokenBucket(bucket(5, 1000)).addDescriptors(d).build()));
        assertEquals(FIELD + ".descriptors[1].entries: [Entry[key=end-user, value=]] (expected: each descriptor once)",
                nack(LocalRateLimit.newBuilder().setStatPrefix("p").setTokenBucket(bucket(5, 1000))
                        .addDescriptors(d.toBuilder().setTokenBucket(bucket(1, 2000))).addDescriptors(d.toBuilder()
                                .setTokenBucket(bucket(1, 2000))).build()));
        assertEquals(FIELD + ".local_rate_limit_per_downstream_connection: true (expected: false; buckets are per proxy, "
                        + "per-connection buckets are not supported)",
                nack(LocalRateLimit.newBuilder().setStatPrefix("p").setTokenBucket(bucket(5, 1000))
                        .setLocalRateLimitPerDownstreamConnection(true).build()));
    }

    @Test
    void theSameBucketsAtTheSamePlaceKeepTheirState() throws InvalidConfigException {
        LocalRateLimit config = LocalRateLimit.newBuilder().setStatPrefix("p").setTokenBucket(bucket(5, 1000)).build();
        var first = (LocalRateLimitFilterConfig) factory.parsePerRoute(Any.pack(config), FIELD);
        var again = (LocalRateLimitFilterConfig) factory.parsePerRoute(Any.pack(config), FIELD);
        assertSame(first.limiter(), again.limiter(), "a push with the same buckets keeps them");
        var elsewhere = (LocalRateLimitFilterConfig) factory.parsePerRoute(Any.pack(config), FIELD.replace("[0]", "[1]"));
        assertNotSame(first.limiter(), elsewhere.limiter(), "another route has its own bucket");
        var changed = (LocalRateLimitFilterConfig) factory.parsePerRoute(Any.pack(config.toBuilder()
                .setTokenBucket(bucket(6, 1000)).build()), FIELD);
        assertNotSame(first.limiter(), changed.limiter(), "new settings, new bucket (as Envoy)");
    }
}
