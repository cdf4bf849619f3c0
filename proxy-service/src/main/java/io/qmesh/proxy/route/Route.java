package io.qmesh.proxy.route;

import io.qmesh.proxy.filter.HttpFilterConfig;
import io.qmesh.proxy.filter.ratelimit.RateLimits;
import java.util.Map;

/**
 * One Envoy route: a match, an action, header mutations and typed_per_filter_config.
 *
 * @param perFilterConfig by Envoy filter name, e.g. envoy.filters.http.fault
 * @param rateLimits      the route action's rate_limits (descriptors for the local rate limit filter)
 */
public record Route(String name, RouteMatch match, RouteAction action, HeaderMutation requestHeaders,
                    HeaderMutation responseHeaders, Map<String, HttpFilterConfig> perFilterConfig,
                    RateLimits rateLimits) {

    public Route(String name, RouteMatch match, RouteAction action, HeaderMutation requestHeaders,
                 HeaderMutation responseHeaders, Map<String, HttpFilterConfig> perFilterConfig) {
        this(name, match, action, requestHeaders, responseHeaders, perFilterConfig, RateLimits.NONE);
    }
}
