package io.qmesh.proxy.filter.ratelimit;

import io.netty.handler.codec.http.HttpHeaders;
import io.qmesh.proxy.filter.HttpFilterConfig;
import java.util.concurrent.atomic.LongAdder;

/**
 * Translated {@code envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit}, listener level or
 * per route. The {@link LocalRateLimiter} is state that outlives this config: the factory hands the same
 * instance to every config generation with the same buckets at the same place.
 *
 * @param limiter            null when the config has no token bucket (the filter then lets everything pass)
 * @param enabledPerMillion  filter_enabled; unset = 0, so nothing is even counted
 * @param enforcedPerMillion filter_enforced; a limited request that is not enforced goes on, counted
 * @param status             the rejection status (429 unless configured at >= 400)
 * @param hasDescriptors     descriptors are only computed when the config has some
 * @param rateLimits         the filter's own rate_limits; when empty, the route's (and per
 *                           {@code vhRateLimits} the virtual host's) are used
 */
public record LocalRateLimitFilterConfig(String statPrefix, LocalRateLimiter limiter, int enabledPerMillion,
                                         int enforcedPerMillion, int status, HttpHeaders responseHeaders,
                                         HttpHeaders requestHeadersWhenNotEnforced, boolean hasDescriptors,
                                         RateLimits rateLimits, VhRateLimits vhRateLimits,
                                         boolean resourceExhausted, Counters counters) implements HttpFilterConfig {

    /** Envoy's {@code vh_rate_limits}: whether the virtual host's rate_limits join the route's. */
    public enum VhRateLimits { OVERRIDE, INCLUDE, IGNORE }

    /** {@code <stat_prefix>.http_local_rate_limit.{enabled,ok,rate_limited,enforced}}. */
    public record Counters(LongAdder enabled, LongAdder ok, LongAdder rateLimited, LongAdder enforced) {
    }

    @Override
    public String filterName() {
        return LocalRateLimitFilterFactory.NAME;
    }
}
