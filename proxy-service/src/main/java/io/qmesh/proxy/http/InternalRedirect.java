package io.qmesh.proxy.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import io.qmesh.proxy.filter.CustomResponseConfig;
import io.qmesh.proxy.route.Route;
import io.qmesh.proxy.route.VirtualHost;

/**
 * A custom_response RedirectPolicy applied to one request: the request's new authority, path and headers,
 * and the route of the same route table that takes it. It is planned before the response it replaces is
 * dropped, so that a redirect that cannot happen lets that response pass, as in Envoy: a request already
 * redirected once (no loops), an upgrade, a body no longer held (it outgrew the buffer limit after being
 * sent), or no route for the new target ({@code custom_response_redirect_no_route}).
 *
 * <p>Unlike Envoy's RedirectPolicy, which turns the request into a GET, the method and body are kept:
 * FallbackPolicy uses the redirect to carry the request itself to a fallback destination.
 */
record InternalRedirect(CustomResponseConfig.Redirect policy, String authority, String pathAndQuery,
                        HttpHeaders headers, VirtualHost vhost, Route route) {

    /** The redirect {@code policy} asks of {@code ex}'s request, or null when the original response must pass. */
    static InternalRedirect plan(HttpExchange ex, CustomResponseConfig.Redirect policy) {
        if (ex.redirected() || ex.upgradeRequested() || !ex.body.resendable()) {
            return null;
        }
        String authority = ex.redirectAuthority(policy.target());
        String pathAndQuery = ex.redirectPathAndQuery(policy.target());
        HttpHeaders headers = new DefaultHttpHeaders(false).add(ex.request.headers());
        headers.set(HttpHeaderNames.HOST, authority);
        policy.requestHeaders().applyTo(headers); // before the route is chosen, as Envoy's
        NettyRequestView view = new NettyRequestView(
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, ex.request.method(), pathAndQuery, headers),
                authority, pathAndQuery, "http");
        VirtualHost vhost = ex.table.selectVirtualHost(authority);
        Route route = vhost == null ? null : vhost.match(view);
        if (route == null) {
            ex.plane.stats().httpScope(ex.statPrefix()).inc("custom_response_redirect_no_route");
            return null;
        }
        return new InternalRedirect(policy, authority, pathAndQuery, headers, vhost, route);
    }
}
