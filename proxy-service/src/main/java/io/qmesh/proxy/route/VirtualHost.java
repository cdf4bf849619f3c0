package io.qmesh.proxy.route;

import java.util.List;

/** A virtual host: domains it answers and its ordered routes (first match wins). */
public record VirtualHost(String name, List<String> domains, List<Route> routes,
                          HeaderMutation requestHeaders, HeaderMutation responseHeaders, RetryPolicy retryPolicy) {

    public Route match(RequestView request) {
        for (Route route : routes) {
            if (route.match().matches(request)) {
                return route;
            }
        }
        return null;
    }
}
