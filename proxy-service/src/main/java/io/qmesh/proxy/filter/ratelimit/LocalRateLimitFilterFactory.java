package io.qmesh.proxy.filter.ratelimit;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.filter.FaultFilterFactory;
import io.qmesh.proxy.filter.HttpFilter;
import io.qmesh.proxy.filter.HttpFilterConfig;
import io.qmesh.proxy.filter.HttpFilterFactory;
import io.qmesh.proxy.filter.ratelimit.LocalRateLimiter.DescriptorSpec;
import io.qmesh.proxy.stats.StatsRegistry;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Translates LocalRateLimit protos (listener level and typed_per_filter_config) and creates
 * {@link LocalRateLimitFilter}s. Invalid configs are NACKed with the field named, with Envoy's own rules:
 * a per-route config needs a token bucket, fill intervals are at least 50 ms and a descriptor's is a
 * multiple of the default bucket's, descriptors are unique.
 *
 * <p>The whole accepted xDS state is translated again on every push (an EDS update too), but a bucket
 * must not refill because a push arrived: limiters are kept by their place in the config (the field
 * path) and their bucket settings, and handed to every generation that has the same ones. They are held
 * weakly here, strongly by the configs that use them, so a limiter no live config uses is collected.
 */
public final class LocalRateLimitFilterFactory implements HttpFilterFactory {

    public static final String NAME = "envoy.filters.http.local_ratelimit";
    private static final long MIN_FILL_INTERVAL_NANOS = 50_000_000L;
    private static final int DEFAULT_MAX_DYNAMIC_DESCRIPTORS = 20;

    private final StatsRegistry stats;
    private final LongSupplier ticker;
    private final ConcurrentHashMap<Key, WeakReference<LocalRateLimiter>> limiters = new ConcurrentHashMap<>();

    private record Key(String field, ByteString buckets) {
    }

    /** @param ticker monotonic nanoseconds for the token buckets (System::nanoTime; a fake in tests) */
    public LocalRateLimitFilterFactory(StatsRegistry stats, LongSupplier ticker) {
        this.stats = stats;
        this.ticker = ticker;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public HttpFilterConfig parse(Any typedConfig, String field) throws InvalidConfigException {
        return translate(typedConfig, field, false);
    }

    @Override
    public HttpFilterConfig parsePerRoute(Any typedConfig, String field) throws InvalidConfigException {
        return translate(typedConfig, field, true);
    }

    @Override
    public HttpFilter create(HttpFilterConfig config) {
        return new LocalRateLimitFilter((LocalRateLimitFilterConfig) config);
    }

    private LocalRateLimitFilterConfig translate(Any any, String field, boolean perRoute) throws InvalidConfigException {
        LocalRateLimit c;
        try {
            c = any.unpack(LocalRateLimit.class);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidConfigException(field + ": " + any.getTypeUrl()
                    + " (expected: type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit)");
        }
        if (c.getStatPrefix().isEmpty()) {
            throw new InvalidConfigException(field + ".stat_prefix: \"\" (expected: a stat prefix)");
        }
        unsupported(c, field);
        if (perRoute && !c.hasTokenBucket()) {
            throw new InvalidConfigException(field + ".token_bucket: missing (expected: a token bucket in a per-route config)");
        }
        LocalRateLimiter limiter = c.hasTokenBucket() ? limiter(c, field) : null;
        int status = c.getStatus().getCodeValue() >= 400 ? c.getStatus().getCodeValue() : 429;
        String prefix = c.getStatPrefix() + ".http_local_rate_limit.";
        return new LocalRateLimitFilterConfig(c.getStatPrefix(), limiter,
                percent(c.hasFilterEnabled(), c.getFilterEnabled(), field + ".filter_enabled"),
                percent(c.hasFilterEnforced(), c.getFilterEnforced(), field + ".filter_enforced"),
                status, headers(c.getResponseHeadersToAddList()), headers(c.getRequestHeadersToAddWhenNotEnforcedList()),
                c.getDescriptorsCount() > 0, RateLimitActions.translate(c.getRateLimitsList(), field + ".rate_limits"),
                switch (c.getVhRateLimits()) {
                    case INCLUDE -> LocalRateLimitFilterConfig.VhRateLimits.INCLUDE;
                    case IGNORE -> LocalRateLimitFilterConfig.VhRateLimits.IGNORE;
                    default -> LocalRateLimitFilterConfig.VhRateLimits.OVERRIDE;
                },
                c.getRateLimitedAsResourceExhausted(),
                new LocalRateLimitFilterConfig.Counters(stats.counter(prefix + "enabled"), stats.counter(prefix + "ok"),
                        stats.counter(prefix + "rate_limited"), stats.counter(prefix + "enforced")));
    }

    private static void unsupported(LocalRateLimit c, String field) throws InvalidConfigException {
        if (c.getLocalRateLimitPerDownstreamConnection()) {
            throw new InvalidConfigException(field + ".local_rate_limit_per_downstream_connection: true (expected: false; "
                    + "buckets are per proxy, per-connection buckets are not supported)");
        }
        if (c.hasLocalClusterRateLimit()) {
            throw new InvalidConfigException(field + ".local_cluster_rate_limit: set (expected: unset; not supported)");
        }
        if (c.getEnableXRatelimitHeaders() == XRateLimitHeadersRFCVersion.DRAFT_VERSION_03) {
            throw new InvalidConfigException(field + ".enable_x_ratelimit_headers: DRAFT_VERSION_03 (expected: OFF; not supported)");
        }
        if (c.getStage() != 0) {
            throw new InvalidConfigException(field + ".stage: " + c.getStage() + " (expected: 0; stages are not supported)");
        }
    }

    /** The limiter for these buckets at this place: the one an earlier generation made, or a new one. */
    private LocalRateLimiter limiter(LocalRateLimit c, String field) throws InvalidConfigException {
        long fill = fillInterval(c.getTokenBucket(), field + ".token_bucket");
        List<DescriptorSpec> descriptors = new ArrayList<>();
        Set<List<RateLimits.Entry>> seen = new HashSet<>();
        for (int i = 0; i < c.getDescriptorsCount(); i++) {
            LocalRateLimitDescriptor d = c.getDescriptors(i);
            String f = field + ".descriptors[" + i + "]";
            if (d.getEntriesCount() == 0) {
                throw new InvalidConfigException(f + ".entries: [] (expected: at least one entry)");
            }
            List<RateLimits.Entry> entries = new ArrayList<>();
            for (int e = 0; e < d.getEntriesCount(); e++) {
                if (d.getEntries(e).getKey().isEmpty()) {
                    throw new InvalidConfigException(f + ".entries[" + e + "].key: \"\" (expected: a descriptor key)");
                }
                entries.add(new RateLimits.Entry(d.getEntries(e).getKey(), d.getEntries(e).getValue()));
            }
            if (!seen.add(entries)) {
                throw new InvalidConfigException(f + ".entries: " + entries + " (expected: each descriptor once)");
            }
            if (!d.hasTokenBucket()) {
                throw new InvalidConfigException(f + ".token_bucket: missing (expected: a token bucket)");
            }
            long dFill = fillInterval(d.getTokenBucket(), f + ".token_bucket");
            if (dFill % fill != 0) {
                throw new InvalidConfigException(f + ".token_bucket.fill_interval: " + dFill / 1_000_000 + "ms (expected: a "
                        + "multiple of " + field + ".token_bucket.fill_interval, " + fill / 1_000_000 + "ms)");
            }
            descriptors.add(new DescriptorSpec(List.copyOf(entries), maxTokens(d.getTokenBucket(), f + ".token_bucket"),
                    tokensPerFill(d.getTokenBucket()), dFill));
        }
        boolean alwaysConsumeDefault = !c.hasAlwaysConsumeDefaultTokenBucket() || c.getAlwaysConsumeDefaultTokenBucket().getValue();
        int maxDynamic = c.hasMaxDynamicDescriptors() ? c.getMaxDynamicDescriptors().getValue() : DEFAULT_MAX_DYNAMIC_DESCRIPTORS;
        if (maxDynamic < 1) {
            throw new InvalidConfigException(field + ".max_dynamic_descriptors: " + maxDynamic + " (expected: >= 1)");
        }
        long max = maxTokens(c.getTokenBucket(), field + ".token_bucket");
        long perFill = tokensPerFill(c.getTokenBucket());
        ByteString buckets = LocalRateLimit.newBuilder().setTokenBucket(c.getTokenBucket())
                .addAllDescriptors(c.getDescriptorsList()).setAlwaysConsumeDefaultTokenBucket(
                        com.google.protobuf.BoolValue.of(alwaysConsumeDefault))
                .setMaxDynamicDescriptors(com.google.protobuf.UInt32Value.of(maxDynamic)).build().toByteString();
        limiters.values().removeIf(ref -> ref.get() == null);
        Key key = new Key(field, buckets);
        WeakReference<LocalRateLimiter> ref = limiters.get(key);
        LocalRateLimiter existing = ref == null ? null : ref.get();
        if (existing != null) {
            return existing;
        }
        LocalRateLimiter fresh = new LocalRateLimiter(
                new io.qmesh.proxy.resilience.TokenBucket(max, perFill, fill, ticker), alwaysConsumeDefault,
                descriptors, maxDynamic, ticker);
        limiters.put(key, new WeakReference<>(fresh));
        return fresh;
    }

    private static long fillInterval(TokenBucket b, String field) throws InvalidConfigException {
        long nanos = b.getFillInterval().getSeconds() * 1_000_000_000L + b.getFillInterval().getNanos();
        if (nanos < MIN_FILL_INTERVAL_NANOS) {
            throw new InvalidConfigException(field + ".fill_interval: " + nanos / 1_000_000 + "ms (expected: >= 50ms)");
        }
        return nanos;
    }

    private static long maxTokens(TokenBucket b, String field) throws InvalidConfigException {
        long max = Integer.toUnsignedLong(b.getMaxTokens());
        if (max == 0) {
            throw new InvalidConfigException(field + ".max_tokens: 0 (expected: > 0)");
        }
        return max;
    }

    private static long tokensPerFill(TokenBucket b) {
        return b.hasTokensPerFill() ? Math.max(1, Integer.toUnsignedLong(b.getTokensPerFill().getValue())) : 1;
    }

    private static int percent(boolean present, RuntimeFractionalPercent p, String field) throws InvalidConfigException {
        // Runtime overrides do not exist here: the default value is the value.
        return present ? FaultFilterFactory.perMillion(p.getDefaultValue(), field + ".default_value") : 0;
    }

    private static HttpHeaders headers(List<HeaderValueOption> options) {
        HttpHeaders out = new DefaultHttpHeaders();
        for (HeaderValueOption o : options) {
            boolean append = o.hasAppend() ? o.getAppend().getValue()
                    : o.getAppendAction() == HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD;
            if (append) {
                out.add(o.getHeader().getKey(), o.getHeader().getValue());
            } else {
                out.set(o.getHeader().getKey(), o.getHeader().getValue());
            }
        }
        return out;
    }
}
