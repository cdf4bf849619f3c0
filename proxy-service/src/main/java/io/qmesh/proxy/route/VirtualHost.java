package io.qmesh.proxy.route;

import io.qmesh.proxy.filter.HttpFilterConfig;
import io.qmesh.proxy.filter.ratelimit.RateLimits;
import java.util.List;
import java.util.Map;

/**
 * A virtual host: domains it answers and its ordered routes (first match wins).
 *
 * @param perFilterConfig typed_per_filter_config by Envoy filter name; a route's own entry overrides it
 * @param rateLimits      rate_limits, used by routes that have none of their own (Envoy's OVERRIDE default)
 */
public record VirtualHost(String name, List<String> domains, List<Route> routes,
                          HeaderMutation requestHeaders, HeaderMutation responseHeaders, RetryPolicy retryPolicy,
                          Map<String, HttpFilterConfig> perFilterConfig, RateLimits rateLimits) {

    public VirtualHost(String name, List<String> domains, List<Route> routes,
                       HeaderMutation requestHeaders, HeaderMutation responseHeaders, RetryPolicy retryPolicy) {
        this(name, domains, routes, requestHeaders, responseHeaders, retryPolicy, Map.of(), RateLimits.NONE);
    }

    public Route match(RequestView request) {
        for (Route route : routes) {
            if (route.match().matches(request)) {
                return route;
            }
        }
        return null;
    }
}
