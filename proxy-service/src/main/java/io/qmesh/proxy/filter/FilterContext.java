package io.qmesh.proxy.filter;

import io.netty.handler.codec.http.HttpHeaders;
import io.qmesh.proxy.filter.ratelimit.RateLimits;
import io.qmesh.proxy.stats.ResponseFlag;

/** What a filter may do with the request it is handling. Implemented by the HTTP exchange. */
public interface FilterContext {

    HttpHeaders requestHeaders();

    /** The per-route config for {@code filterName}, or null. */
    HttpFilterConfig perRouteConfig(String filterName);

    /** Hands the request to the next filter. */
    void proceed();

    /** Ends the request here with a local reply. */
    void respondLocally(int status, String body, ResponseFlag flag, boolean grpc, int grpcStatus);

    /** The same, with {@code responseHeaders} set on the reply (e.g. the rate limit filter's response_headers_to_add). */
    void respondLocally(int status, String body, ResponseFlag flag, boolean grpc, int grpcStatus, HttpHeaders responseHeaders);

    /** The matched route's rate_limits, {@link RateLimits#NONE} if it has none. */
    RateLimits routeRateLimits();

    /** The matched virtual host's rate_limits, {@link RateLimits#NONE} if it has none. */
    RateLimits virtualHostRateLimits();

    /** Runs {@code task} on this request's event loop after {@code millis}; cancelled if the downstream goes away. */
    void schedule(long millis, Runnable task);

    /** Records a response flag (e.g. DI for an injected delay). */
    void addFlag(ResponseFlag flag);

    /** Marks that a fault applied, which turns off the route's retries and timeout (Istio's documented behaviour). */
    void markFaultInjected();

    /**
     * Lets envoy.filters.http.custom_response replace this request's final response (after the router's
     * retries, upstream or a local reply of the router): by {@code listenerConfig}, or by the most specific
     * per-route config (weighted cluster, route, virtual host), looked up by the router once it has picked
     * the weighted cluster, which happens after the filters (Envoy looks it up in encodeHeaders).
     */
    void overrideResponses(CustomResponseConfig listenerConfig);

    /** A uniformly random int in [0, bound), from the proxy's injected random source. */
    int random(int bound);
}
