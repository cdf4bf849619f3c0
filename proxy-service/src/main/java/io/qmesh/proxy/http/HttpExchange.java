package io.qmesh.proxy.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.ScheduledFuture;
import io.qmesh.proxy.cluster.UpstreamCluster;
import io.qmesh.proxy.config.FilterChainConfig;
import io.qmesh.proxy.config.ListenerConfig;
import io.qmesh.proxy.config.ProxyConfig;
import io.qmesh.proxy.filter.FilterContext;
import io.qmesh.proxy.filter.HttpFilter;
import io.qmesh.proxy.filter.HttpFilterConfig;
import io.qmesh.proxy.lb.LbEndpoint;
import io.qmesh.proxy.route.Route;
import io.qmesh.proxy.route.RouteAction;
import io.qmesh.proxy.route.RouteTable;
import io.qmesh.proxy.route.VirtualHost;
import io.qmesh.proxy.route.WeightedCluster;
import io.qmesh.proxy.stats.ResponseFlag;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One request from arrival to the last byte of its response: resolves the listener and route from
 * the config generation read at the start, runs the HTTP filters, then performs the route action
 * (the router's forwarding lives in {@link UpstreamRequest}). Confined to the downstream event loop.
 * The request head arrives first; its body streams in through {@link #onRequestContent} into a
 * {@link RequestBody}, which this exchange owns and releases exactly once in {@link #finish}.
 */
final class HttpExchange implements FilterContext {

    final DataPlane plane;
    final ChannelHandlerContext ctx;
    private final DownstreamHandler owner;
    private final String listenerName;
    final HttpRequest request;
    final RequestBody body;
    final ProxyConfig config;
    final long startNanos;
    private final Instant startTime = Instant.now();
    final boolean keepAlive;

    NettyRequestView view;
    ListenerConfig listener;
    FilterChainConfig chain;
    RouteTable table;
    VirtualHost vhost;
    Route route;
    WeightedCluster target;
    UpstreamCluster cluster;
    LbEndpoint upstreamEndpoint;

    private List<HttpFilter> filters = List.of();
    /** The listener's envoy.filters.http.custom_response config, set while the request passes that filter. */
    private io.qmesh.proxy.filter.CustomResponseConfig customResponses;
    /** The custom_response redirect this request followed (at most one), whose response policy applies; or null. */
    private io.qmesh.proxy.filter.CustomResponseConfig.Redirect redirect;
    private int filterIndex;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>(1);
    private UpstreamRequest upstream;
    private int flags;
    private boolean faultInjected;
    private boolean responseStarted;
    private boolean done;
    private int status;
    private long bytesSent;
    private String upstreamServiceTime;
    /** Headers a filter asked to set on its local reply (e.g. x-local-rate-limit), or null. */
    private HttpHeaders localReplyHeaders;
    /** The Upgrade this request asks for and the chain allows (e.g. websocket), or null. */
    String upgradeType;
    /** Set by the router when the upstream answered 101: the connection the tunnel continues on. */
    Channel tunnelTo;

    HttpExchange(DataPlane plane, ChannelHandlerContext ctx, DownstreamHandler owner, String listenerName,
                 HttpRequest request) {
        this.plane = plane;
        this.ctx = ctx;
        this.owner = owner;
        this.listenerName = listenerName;
        this.request = request;
        this.body = new RequestBody(plane.limits().requestBufferBytes());
        this.config = plane.config().get();
        this.startNanos = plane.nanoClock().getAsLong();
        this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    void start() {
        String uri = request.uri();
        String authority;
        String pathAndQuery;
        int explicitPort = -1;
        if (uri.regionMatches(true, 0, "http://", 0, 7)) {
            // Explicit-proxy (absolute-form) request: the target is in the request line.
            int slash = uri.indexOf('/', 7);
            authority = slash < 0 ? uri.substring(7) : uri.substring(7, slash);
            pathAndQuery = slash < 0 ? "/" : uri.substring(slash);
            explicitPort = portOf(authority, 80);
        } else {
            authority = request.headers().get(HttpHeaderNames.HOST);
            pathAndQuery = uri;
        }
        if (authority == null || authority.isEmpty() || !pathAndQuery.startsWith("/")) {
            respondLocally(400, "missing host or bad request target", ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, false, -1);
            return;
        }
        view = new NettyRequestView(request, authority, pathAndQuery, "http");
        listener = config.listeners().get(listenerName);
        if (listener == null) {
            respondLocally(503, "listener draining", ResponseFlag.NO_ROUTE_FOUND, false, -1);
            return;
        }
        InetSocketAddress local = OriginalDestination.of(ctx.channel());
        int destinationPort = local != null ? local.getPort() : listener.port();
        if (listener.useOriginalDst()) {
            int port = explicitPort > 0 ? explicitPort
                    : destinationPort != listener.port() && listener.port() != 0 ? destinationPort
                    : portOf(authority, 80);
            ListenerConfig handOff = config.virtualListenerForPort(port);
            if (handOff != null) {
                listener = handOff;
                destinationPort = port;
            }
        }
        chain = listener.chainFor(destinationPort);
        table = chain == null || chain.isTcp() ? null : chain.routes(config);
        vhost = table == null ? null : table.selectVirtualHost(authority);
        route = vhost == null ? null : vhost.match(view);
        if (route == null) {
            plane.stats().httpScope(statPrefix()).inc("no_route");
            respondLocally(404, "", ResponseFlag.NO_ROUTE_FOUND, false, -1);
            return;
        }
        String upgrade = HopByHop.upgradeRequested(request.headers());
        if (upgrade != null && !upgrade.equals("h2c")) {
            // Envoy: the route's upgrade_configs decide if they name the type, else the connection
            // manager's; an upgrade neither enables gets 403.
            Boolean routeSays = route.action() instanceof RouteAction.Forward f ? f.upgrades().get(upgrade) : null;
            if (routeSays != null ? !routeSays : !chain.upgradeTypes().contains(upgrade)) {
                plane.stats().httpScope(statPrefix()).inc("downstream_rq_upgrade_failed");
                respondLocally(403, "", null, false, -1);
                return;
            }
            upgradeType = upgrade;
        }
        filters = chain.httpFilters();
        proceed();
    }

    // ---- the request body ----

    /** A body part from the downstream (ownership passes here). */
    void onRequestContent(HttpContent content) {
        if (done) {
            content.release();
            return;
        }
        boolean withinLimit = body.add(content);
        if (!withinLimit && upstream != null) {
            upstream.onBodyOverflow();
        }
        if (body.complete() && upstream != null && !done) {
            upstream.onRequestComplete();
        }
    }

    /** Whether the downstream should be read for more of the body now (back-pressure, see {@link RequestBody}). */
    boolean wantsRequestBody() {
        return !done && body.wantsMore();
    }

    /** Whether the request asks for a protocol upgrade the chain allowed (its tunnel takes the bytes that follow). */
    boolean upgradeRequested() {
        return upgradeType != null;
    }

    /** The upstream can take more of the body: read on if the body wants it. */
    void readRequestBody() {
        if (!done) {
            owner.readIfWanted();
        }
    }

    /** The request was rejected before it started (bad framing in its first read): nothing to log here. */
    void abandonUnstarted() {
        done = true;
        body.release();
    }

    /** Bad framing in a body already on its way: 400 if nothing was answered yet, the upstream attempt is reset. */
    void rejectMalformedBody() {
        plane.stats().inc("http.downstream_rq_malformed");
        if (upstream != null) {
            upstream.cancel();
        }
        respond(400, "bad request", "text/plain", ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR.bit());
    }

    static boolean isGrpc(HttpRequest request) {
        String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.startsWith("application/grpc");
    }

    static int portOf(String authority, int defaultPort) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0 || authority.endsWith("]")) {
            return defaultPort;
        }
        try {
            return Integer.parseInt(authority.substring(colon + 1));
        } catch (NumberFormatException e) {
            return defaultPort;
        }
    }

    String statPrefix() {
        return chain == null || chain.statPrefix() == null ? listenerName : chain.statPrefix();
    }

    // ---- FilterContext ----

    @Override
    public HttpHeaders requestHeaders() {
        return request.headers();
    }

    @Override
    public HttpFilterConfig perRouteConfig(String filterName) {
        if (target != null && target.perFilterConfig().containsKey(filterName)) {
            return target.perFilterConfig().get(filterName);
        }
        if (route != null && route.perFilterConfig().containsKey(filterName)) {
            return route.perFilterConfig().get(filterName);
        }
        return vhost == null ? null : vhost.perFilterConfig().get(filterName);
    }

    @Override
    public io.qmesh.proxy.filter.ratelimit.RateLimits routeRateLimits() {
        return route.rateLimits();
    }

    @Override
    public io.qmesh.proxy.filter.ratelimit.RateLimits virtualHostRateLimits() {
        return vhost.rateLimits();
    }

    @Override
    public void proceed() {
        if (done) {
            return;
        }
        if (filterIndex < filters.size()) {
            filters.get(filterIndex++).onRequest(this);
            return;
        }
        RouteAction action = route.action();
        if (action instanceof RouteAction.DirectResponse direct) {
            respond(direct.status(), direct.body(), "text/plain", 0);
        } else if (action instanceof RouteAction.Redirect r) {
            redirect(r);
        } else {
            upstream = new UpstreamRequest(this, (RouteAction.Forward) action);
            upstream.start();
        }
    }

    @Override
    public void respondLocally(int status, String body, ResponseFlag flag, boolean grpc, int grpcStatus) {
        if (flag != null) {
            flags |= flag.bit();
        }
        if (grpc) {
            FullHttpResponse response = newResponse(200, "");
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
                    .set("grpc-status", grpcStatus).set("grpc-message", body);
            writeLocal(response);
        } else {
            respond(status, body, "text/plain", 0);
        }
    }

    @Override
    public void respondLocally(int status, String body, ResponseFlag flag, boolean grpc, int grpcStatus,
                               HttpHeaders responseHeaders) {
        localReplyHeaders = responseHeaders;
        respondLocally(status, body, flag, grpc, grpcStatus);
    }

    @Override
    public void schedule(long millis, Runnable task) {
        timers.add(ctx.executor().schedule(() -> {
            if (!done) {
                task.run();
            }
        }, millis, TimeUnit.MILLISECONDS));
    }

    @Override
    public void addFlag(ResponseFlag flag) {
        flags |= flag.bit();
    }

    @Override
    public void markFaultInjected() {
        faultInjected = true;
    }

    @Override
    public void overrideResponses(io.qmesh.proxy.filter.CustomResponseConfig listenerConfig) {
        customResponses = listenerConfig;
    }

    boolean redirected() {
        return redirect != null;
    }

    /**
     * Follows a custom_response redirect in place of the router's final response: the request, with its
     * new authority, path and headers, starts again on the planned route and passes the HTTP filters
     * again, as Envoy's recreated stream does. The body (kept, or never sent) goes along. The original
     * response's flags stay in the access log.
     */
    void follow(InternalRedirect to, int extraFlags) {
        flags |= extraFlags;
        redirect = to.policy(); // from now on the response is the redirect policy's alone, as in Envoy
        faultInjected = false;
        request.setUri(to.pathAndQuery());
        request.headers().set(to.headers());
        view = new NettyRequestView(request, to.authority(), to.pathAndQuery(), "http");
        vhost = to.vhost();
        route = to.route();
        target = null;
        cluster = null;
        upstreamEndpoint = null;
        upstream = null;
        filterIndex = 0;
        proceed();
    }

    /** The redirect policy's response_headers_to_add and status_code, on whatever the redirected request gets. */
    private void applyRedirectPolicy(HttpResponse response) {
        if (redirect != null) {
            redirect.responseHeaders().applyTo(response.headers());
            if (redirect.status() != 0) {
                response.setStatus(HttpResponseStatus.valueOf(redirect.status()));
            }
        }
    }

    /** The custom_response rules for this request's final response, or null (none, or already redirected). */
    io.qmesh.proxy.filter.CustomResponseConfig customResponses() {
        if (customResponses == null || redirect != null) {
            return null;
        }
        io.qmesh.proxy.filter.CustomResponseConfig c = perRouteConfig(io.qmesh.proxy.filter.CustomResponseFilterFactory.NAME)
                instanceof io.qmesh.proxy.filter.CustomResponseConfig r ? r : customResponses;
        return c.rules().isEmpty() ? null : c;
    }

    /** Answers with a custom response (a response FallbackPolicy) in place of the router's final response. */
    void respondCustom(io.qmesh.proxy.filter.CustomResponseConfig.LocalResponse r, int originalStatus, int extraFlags) {
        flags |= extraFlags;
        FullHttpResponse response = newResponse(r.statusFor(originalStatus), r.body());
        r.headers().applyTo(response.headers());
        if (!r.body().isEmpty() && !response.headers().contains(HttpHeaderNames.CONTENT_TYPE)) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        }
        if (route != null) {
            applyResponseMutations(response.headers());
        }
        writeLocal(response);
    }

    boolean faultInjected() {
        return faultInjected;
    }

    @Override
    public int random(int bound) {
        return plane.random().nextInt(bound);
    }

    // ---- responses ----

    private void redirect(RouteAction.Redirect r) {
        String scheme = r.scheme() != null ? r.scheme() : "http";
        FullHttpResponse response = newResponse(r.status(), "");
        response.headers().set(HttpHeaderNames.LOCATION, scheme + "://" + redirectAuthority(r) + redirectPathAndQuery(r));
        applyResponseMutations(response.headers());
        writeLocal(response);
    }

    /**
     * Where a redirect (a route's, or custom_response's) points, as Envoy's {@code newUri}: host_redirect
     * or the request's host; port_redirect, else the request's port unless the host was replaced.
     */
    String redirectAuthority(RouteAction.Redirect r) {
        String host = r.host() != null ? r.host() : hostWithoutPort();
        return host + (r.port() > 0 ? ":" + r.port() : r.host() == null ? portSuffix() : "");
    }

    /**
     * The path and query a redirect points to: path_redirect (whose own query, if it has one, replaces the
     * request's), else the prefix rewrite of the matched prefix, else the request's path; then the
     * request's query unless strip_query.
     */
    String redirectPathAndQuery(RouteAction.Redirect r) {
        String path = view.path();
        if (r.path() != null) {
            path = r.path();
        } else if (r.prefixRewrite() != null && route.match().path().kind() == io.qmesh.proxy.route.PathMatcher.Kind.PREFIX) {
            path = r.prefixRewrite() + path.substring(Math.min(path.length(), route.match().path().value().length()));
        }
        boolean keepQuery = !r.stripQuery() && (r.path() == null || r.path().indexOf('?') < 0);
        String query = keepQuery && view.pathAndQuery().length() > view.path().length()
                ? view.pathAndQuery().substring(view.path().length()) : "";
        return path + query;
    }

    private String hostWithoutPort() {
        String a = view.authority();
        int colon = a.lastIndexOf(':');
        return colon > 0 && !a.endsWith("]") ? a.substring(0, colon) : a;
    }

    private String portSuffix() {
        String a = view.authority();
        int colon = a.lastIndexOf(':');
        return colon > 0 && !a.endsWith("]") ? a.substring(colon) : "";
    }

    void respond(int code, String body, String contentType, int extraFlags) {
        respond(code, body, contentType, extraFlags, false);
    }

    /** A local 503 for a circuit-breaker overflow, as Envoy answers it: {@code x-envoy-overloaded: true}, flag UO. */
    void respondOverloaded(String body) {
        respond(503, body, "text/plain", ResponseFlag.UPSTREAM_OVERFLOW.bit(), true);
    }

    private void respond(int code, String body, String contentType, int extraFlags, boolean overloaded) {
        flags |= extraFlags;
        FullHttpResponse response = newResponse(code, body);
        if (!body.isEmpty()) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        if (overloaded) {
            response.headers().set("x-envoy-overloaded", "true");
        }
        if (route != null) {
            applyResponseMutations(response.headers());
        }
        writeLocal(response);
    }

    private FullHttpResponse newResponse(int code, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code),
                body.isEmpty() ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        return response;
    }

    private void writeLocal(FullHttpResponse response) {
        if (done) {
            response.release();
            return;
        }
        if (responseStarted) {
            // Headers already went out: the only honest signal left is to close the connection.
            response.release();
            abortDownstream(null);
            return;
        }
        if (!keepAlive || !body.complete()) {
            // An HTTP/1.1 connection whose request body did not fully arrive cannot carry another request.
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (localReplyHeaders != null) {
            for (String name : localReplyHeaders.names()) {
                response.headers().set(name, localReplyHeaders.getAll(name));
            }
        }
        applyRedirectPolicy(response);
        status = response.status().code();
        bytesSent += response.content().readableBytes();
        responseStarted = true;
        ChannelFuture f = ctx.writeAndFlush(response);
        finish(f);
    }

    /** Route, virtual host and route-table response header mutations (most specific first). */
    void applyResponseMutations(HttpHeaders headers) {
        if (target != null) {
            target.responseHeaders().applyTo(headers);
        }
        route.responseHeaders().applyTo(headers);
        vhost.responseHeaders().applyTo(headers);
        table.responseHeaders().applyTo(headers);
    }

    /** Whether this request arrived as an HTTP/2 stream. */
    boolean downstreamHttp2() {
        return ctx.channel() instanceof Http2StreamChannel;
    }

    String protocol() {
        return downstreamHttp2() ? "HTTP/2" : "HTTP/1.1";
    }

    /** Sends upstream response headers downstream. */
    void writeResponseHead(HttpResponse response, long serviceTimeMillis) {
        HttpHeaders h = response.headers();
        String upgrade = h.get(HttpHeaderNames.UPGRADE);
        HopByHop.strip(h);
        if (response.status().code() == 101 && upgradeType != null) {
            // The switch itself is what these hop-by-hop headers say: they stay on a 101.
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE).set(HttpHeaderNames.UPGRADE, upgrade);
        }
        upstreamServiceTime = Long.toString(serviceTimeMillis);
        h.set("x-envoy-upstream-service-time", upstreamServiceTime);
        applyResponseMutations(h);
        if (request.method().equals(HttpMethod.HEAD)) {
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        }
        if (!keepAlive && response.status().code() != 101) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        applyRedirectPolicy(response);
        status = response.status().code();
        responseStarted = true;
        ctx.write(response);
    }

    /** Sends one upstream body part downstream; ownership of {@code content} passes to the channel. */
    ChannelFuture writeResponseContent(HttpContent content) {
        bytesSent += content.content().readableBytes();
        ChannelFuture f = ctx.writeAndFlush(content);
        if (content instanceof LastHttpContent) {
            finish(f);
        }
        return f;
    }

    boolean downstreamWritable() {
        return ctx.channel().isWritable();
    }

    void onDownstreamWritable() {
        if (upstream != null) {
            upstream.onDownstreamWritable();
        }
    }

    boolean responseStarted() {
        return responseStarted;
    }

    boolean isDone() {
        return done;
    }

    /** The downstream went away: stop everything, log with DC. */
    void onDownstreamClosed() {
        if (done) {
            return;
        }
        flags |= ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION.bit();
        if (upstream != null) {
            upstream.cancel();
        }
        if (!responseStarted) {
            status = 0;
        }
        finish(null);
    }

    /** A failure after the response started: close the downstream connection. */
    void abortDownstream(ResponseFlag flag) {
        if (flag != null) {
            flags |= flag.bit();
        }
        if (done) {
            return;
        }
        finish(null);
        ctx.close();
    }

    private void finish(ChannelFuture lastWrite) {
        if (done) {
            return;
        }
        done = true;
        for (ScheduledFuture<?> t : timers) {
            t.cancel(false);
        }
        long durationNanos = plane.nanoClock().getAsLong() - startNanos;
        long requestBytes = body.receivedBytes();
        ExchangeRecorder.record(this, status, flags, durationNanos, requestBytes, bytesSent, startTime,
                upstreamServiceTime);
        // Envoy: a stream that ends before its request body did cannot leave the connection reusable
        // (HTTP/1.1 closes, an HTTP/2 stream is reset).
        boolean reuse = keepAlive && body.complete();
        body.release();
        if (tunnelTo != null) {
            owner.onUpgraded(tunnelTo);
            return;
        }
        if (lastWrite != null && !reuse) {
            lastWrite.addListener(ChannelFutureListener.CLOSE);
        }
        owner.onExchangeComplete(reuse && lastWrite != null);
    }

    String methodName() {
        return request.method().name();
    }

    String requestHeader(String name) {
        return request.headers().get(name);
    }
}
