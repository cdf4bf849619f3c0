package io.qmesh.proxy.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.qmesh.proxy.cluster.AggregateSelection;
import io.qmesh.proxy.cluster.ConnectionPool;
import io.qmesh.proxy.cluster.LbPolicy;
import io.qmesh.proxy.cluster.UpstreamCluster;
import io.qmesh.proxy.filter.CustomResponseConfig;
import io.qmesh.proxy.lb.LbEndpoint;
import io.qmesh.proxy.resilience.CircuitBreaker;
import io.qmesh.proxy.route.RetryPolicy;
import io.qmesh.proxy.route.RouteAction;
import io.qmesh.proxy.stats.ResponseFlag;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The router's work for one request: pick the weighted cluster, then run attempts (endpoint pick,
 * pooled connection, request write, streamed response) with Envoy's retry, per-try timeout and
 * route timeout semantics. Confined to the downstream event loop; the upstream channel is on the
 * same loop. The upstream is read only as fast as the downstream accepts writes, and the downstream
 * only as fast as the upstream takes the request body ({@link RequestBody}): back-pressure both ways.
 *
 * <p>As in Envoy, the request starts upstream as soon as its headers are routed and its body streams
 * after them; the route timeout and per-try timeouts start once the request is complete, mirrors are
 * sent then, and a body that outgrows the buffer limit turns retries and mirrors off
 * ({@code retry_or_shadow_abandoned}). A gRPC request's {@code grpc-timeout}, capped by the route's
 * {@code max_stream_duration.grpc_timeout_header_max}, runs from the start of the request.
 */
final class UpstreamRequest implements UpstreamResponseListener {

    private static final String TIMEOUT_HEADER = "x-envoy-upstream-rq-timeout-ms";
    private static final String NO_HEALTHY = "no healthy upstream";
    private static final String CONNECT_FAILURE =
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
    private static final String RESET =
            "upstream connect error or disconnect/reset before headers. reset reason: connection termination";
    private static final String OVERFLOW =
            "upstream connect error or disconnect/reset before headers. reset reason: overflow";

    private final HttpExchange ex;
    private final RouteAction.Forward forward;
    private UpstreamCluster cluster;
    /** For a route to an aggregate cluster: the child each attempt goes to (FallbackPolicy destinations). */
    private AggregateSelection aggregate;
    /** The cluster whose max_retries slot {@link #retrySlot} holds (attempts of an aggregate differ in cluster). */
    private UpstreamCluster retrySlotCluster;
    /** The custom_response rules for this request's final response (null: none), read once the cluster is picked. */
    private CustomResponseConfig rules;
    /** A custom response (FallbackPolicy response) replacing the upstream response being discarded. */
    private CustomResponseConfig.LocalResponse replacement;
    /** Or a custom response redirect (FallbackPolicy destination), followed once that response is drained. */
    private InternalRedirect redirectTo;
    private int replacedStatus;
    private RetryPolicy policy;
    private Long hash;
    private HttpHeaders headerTemplate;
    private String upstreamUri;
    private boolean downstreamContentLength;
    private long timeoutMillis;
    /** The mirrors sampled for this request, sent once the body is complete. */
    private List<UpstreamCluster> shadows = List.of();

    private final List<LbEndpoint> tried = new ArrayList<>(2);
    private int retriesUsed;
    private LbEndpoint endpoint;
    private Channel channel;
    private io.netty.util.concurrent.Future<Channel> acquiring;
    /** This attempt holds a max_requests slot of the cluster's circuit breaker. */
    private boolean requestSlot;
    /** A retry of this request holds a max_retries slot (until the retried attempt's outcome, as Envoy). */
    private boolean retrySlot;
    private ScheduledFuture<?> perTryTimer;
    private ScheduledFuture<?> globalTimer;
    private ScheduledFuture<?> backoffTimer;
    private ScheduledFuture<?> grpcDeadlineTimer;
    private long attemptStartNanos;
    private boolean committed;
    private boolean discarding;
    private boolean skippingInformational;
    private boolean upstreamKeepAlive;
    private boolean upgradeAccepted;
    /** Whether the whole request reached the current attempt's channel (else it cannot be reused). */
    private boolean requestSent;
    private boolean finished;

    UpstreamRequest(HttpExchange ex, RouteAction.Forward forward) {
        this.ex = ex;
        this.forward = forward;
    }

    void start() {
        ex.target = forward.clusters().size() == 1 ? forward.clusters().get(0)
                : forward.pick(ex.plane.random().nextInt(forward.totalWeight()));
        rules = ex.customResponses(); // the weighted cluster's own config may override the route's
        cluster = ex.config.clusters().get(ex.target.name());
        if (cluster == null) {
            finishLocal(503, "no cluster found", ResponseFlag.NO_CLUSTER_FOUND);
            return;
        }
        ex.cluster = cluster;
        long timeout = forward.timeoutMillis();
        String override = ex.request.headers().get(TIMEOUT_HEADER);
        if (override != null) {
            try {
                timeout = Long.parseLong(override.trim());
            } catch (NumberFormatException ignored) {
                // Envoy ignores an unparseable override.
            }
        }
        policy = forward.retryPolicy() != null ? forward.retryPolicy()
                : ex.vhost.retryPolicy() != null ? ex.vhost.retryPolicy() : RetryPolicy.NONE;
        if (ex.faultInjected()) {
            // Istio: no retries or timeouts on a route that has faults.
            timeout = 0;
            policy = RetryPolicy.NONE;
        }
        if (cluster.aggregate()) {
            aggregate = new AggregateSelection(cluster, policy.previousPrioritiesUpdateFrequency());
        }
        timeoutMillis = timeout;
        hash = RequestHash.of(forward.hashPolicies(), ex);
        buildRequestTemplate();
        sampleMirrors();
        if (policy.numRetries() == 0 && shadows.isEmpty() && (rules == null || !rules.redirects())) {
            ex.body.stopKeeping(); // nothing will replay the body: hand each chunk on as it comes
        } else if (!ex.body.replayable()) {
            abandonRetryAndShadow();
        }
        startGrpcDeadline();
        attempt();
        if (ex.body.complete() && !finished) {
            onRequestComplete();
        }
    }

    /**
     * The last part of the request body arrived (or it had none): the route timeout starts (Envoy
     * times the response from the end of the request), and so does the attempt's per-try timeout;
     * mirrors get their copy.
     */
    void onRequestComplete() {
        if (finished) {
            return;
        }
        if (timeoutMillis > 0 && globalTimer == null) {
            globalTimer = ex.ctx.executor().schedule(this::onGlobalTimeout, timeoutMillis, TimeUnit.MILLISECONDS);
        }
        if (channel != null && perTryTimer == null) {
            startPerTryTimer();
        }
        if (!shadows.isEmpty() && ex.body.replayable()) {
            for (UpstreamCluster shadowCluster : shadows) {
                mirror(shadowCluster);
            }
        }
        shadows = List.of();
    }

    /**
     * The body outgrew the buffer limit: it is still proxied, but can be neither retried nor mirrored
     * (Envoy's {@code retry_or_shadow_abandoned}). Waiting in a retry back-off, there is nothing left to
     * send it to: 507, as Envoy answers.
     */
    void onBodyOverflow() {
        if (finished) {
            return;
        }
        abandonRetryAndShadow();
        if (backoffTimer != null && !backoffTimer.isDone()) {
            finishLocal(507, "exceeded request buffer limit while retrying upstream", null);
        }
    }

    private void abandonRetryAndShadow() {
        cluster.stats().inc("retry_or_shadow_abandoned");
        shadows = List.of();
    }

    /** The upstream can take more: the downstream may be read for more of the body. */
    @Override
    public void onUpstreamWritable() {
        if (!finished) {
            ex.readRequestBody();
        }
    }

    /** Draws each mirror policy's percentage now; the copies go out once the body is complete. */
    private void sampleMirrors() {
        List<UpstreamCluster> picked = null;
        for (io.qmesh.proxy.route.MirrorPolicy m : forward.mirrors()) {
            UpstreamCluster shadowCluster = ex.config.clusters().get(m.cluster());
            if (shadowCluster == null || ex.plane.random().nextInt(1_000_000) >= m.perMillion()) {
                continue;
            }
            if (picked == null) {
                picked = new ArrayList<>(1);
            }
            picked.add(shadowCluster);
        }
        shadows = picked == null ? List.of() : picked;
    }

    /**
     * Envoy's {@code max_stream_duration.grpc_timeout_header_max} (and the older {@code max_grpc_timeout}):
     * a gRPC request's {@code grpc-timeout}, capped by the maximum unless it is 0, ends the stream with
     * DEADLINE_EXCEEDED when it expires, counted from the start of the request.
     */
    private void startGrpcDeadline() {
        long max = forward.grpcTimeoutHeaderMaxMillis();
        if (max < 0 || !HttpExchange.isGrpc(ex.request)) {
            return;
        }
        long deadline = GrpcTimeout.parseMillis(ex.request.headers().get(GrpcTimeout.HEADER));
        if (deadline < 0) {
            return;
        }
        if (max > 0 && deadline > max) {
            deadline = max;
        }
        long elapsed = (ex.plane.nanoClock().getAsLong() - ex.startNanos) / 1_000_000;
        grpcDeadlineTimer = ex.ctx.executor().schedule(this::onGrpcDeadline, Math.max(0, deadline - elapsed),
                TimeUnit.MILLISECONDS);
    }

    private void onGrpcDeadline() {
        if (finished) {
            return;
        }
        ex.plane.stats().httpScope(ex.statPrefix()).inc("downstream_rq_max_duration_reached");
        endAttempt(false);
        finished = true;
        cancelTimers();
        if (committed) {
            ex.abortDownstream(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
        } else {
            ex.respondLocally(200, "downstream duration timeout", ResponseFlag.UPSTREAM_REQUEST_TIMEOUT, true,
                    GrpcTimeout.DEADLINE_EXCEEDED);
        }
    }

    /** Shadows the request to a mirror cluster (Envoy suffixes the host with -shadow). */
    private void mirror(UpstreamCluster shadowCluster) {
        HttpHeaders h = headerTemplate.copy();
        String host = h.get(HttpHeaderNames.HOST);
        int colon = host.lastIndexOf(':');
        h.set(HttpHeaderNames.HOST, colon > 0 && !host.endsWith("]")
                ? host.substring(0, colon) + "-shadow" + host.substring(colon) : host + "-shadow");
        ex.body.frame(h, downstreamContentLength);
        ShadowRequest.send(ex.plane, ex.ctx.channel().eventLoop(), shadowCluster,
                ex.body.copy(ex.request.method(), upstreamUri, h), ex.downstreamHttp2());
    }

    private void buildRequestTemplate() {
        HttpHeaders h = new DefaultHttpHeaders(false);
        h.add(ex.request.headers());
        boolean teTrailers = h.containsValue(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS, true);
        HopByHop.strip(h);
        if (teTrailers) {
            h.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS); // gRPC needs it; Envoy keeps exactly this value
        }
        if (ex.upgradeType != null) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                    .set(HttpHeaderNames.UPGRADE, ex.request.headers().get(HttpHeaderNames.UPGRADE));
        }
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.remove(HttpHeaderNames.EXPECT);
        h.remove(TIMEOUT_HEADER);
        downstreamContentLength = ex.request.headers().contains(HttpHeaderNames.CONTENT_LENGTH);
        String authority = forward.hostRewrite() != null ? forward.hostRewrite() : ex.view.authority();
        h.set(HttpHeaderNames.HOST, authority);
        if (!h.contains("x-forwarded-proto")) {
            h.set("x-forwarded-proto", "http");
        }
        if (!h.contains("x-request-id")) {
            h.set("x-request-id", requestId());
            ex.request.headers().set("x-request-id", h.get("x-request-id"));
        }
        ex.table.requestHeaders().applyTo(h);
        ex.vhost.requestHeaders().applyTo(h);
        ex.route.requestHeaders().applyTo(h);
        ex.target.requestHeaders().applyTo(h);
        headerTemplate = h;
        upstreamUri = rewritePath(ex.view.pathAndQuery());
    }

    /**
     * A random (version 4) UUID for x-request-id, from the event loop's ThreadLocalRandom: unique
     * enough for tracing, as Envoy's; UUID.randomUUID() would take SecureRandom's lock on every request.
     */
    private static String requestId() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    private String rewritePath(String pathAndQuery) {
        String path = ex.view.path();
        String query = pathAndQuery.substring(path.length());
        if (forward.prefixRewrite() != null
                && ex.route.match().path().kind() == io.qmesh.proxy.route.PathMatcher.Kind.PREFIX) {
            String prefix = ex.route.match().path().value();
            path = forward.prefixRewrite() + path.substring(Math.min(prefix.length(), path.length()));
            if (path.isEmpty()) {
                path = "/";
            }
        } else if (forward.regexRewrite() != null) {
            path = forward.regexRewrite().matcher(path).replaceAll(forward.regexSubstitution());
        }
        return path + query;
    }

    private void attempt() {
        if (finished || ex.isDone()) {
            return;
        }
        if (aggregate != null) {
            UpstreamCluster child = aggregate.choose(ex.config.clusters(), ex.plane.random().nextInt(100));
            if (child == null) {
                finishLocal(503, NO_HEALTHY, ResponseFlag.NO_HEALTHY_UPSTREAM);
                return;
            }
            cluster = child;
            ex.cluster = child;
        }
        cluster.stats().inc("upstream_rq_total");
        endpoint = cluster.lbPolicy() == LbPolicy.CLUSTER_PROVIDED
                ? OriginalDestination.passthroughEndpoint(ex.ctx.channel())
                : cluster.loadBalancer().pick(hash, policy.avoidPreviousHosts() ? tried::contains : null,
                        policy.hostSelectionMaxAttempts());
        if (endpoint == null) {
            finishLocal(503, NO_HEALTHY, ResponseFlag.NO_HEALTHY_UPSTREAM);
            return;
        }
        if (!cluster.circuitBreaker().tryAcquireRequest(cluster.thresholds())) {
            endpoint = null;
            overflow();
            return;
        }
        requestSlot = true;
        tried.add(endpoint);
        ex.upstreamEndpoint = endpoint;
        endpoint.counters().activeRequests.incrementAndGet();
        endpoint.counters().requests.increment();
        attemptStartNanos = ex.plane.nanoClock().getAsLong();
        ConnectionPool pool = ex.plane.pools().forLoop(ex.ctx.channel().eventLoop());
        LbEndpoint target = endpoint;
        // An upgrade (WebSocket) always goes over HTTP/1.1; RFC 8441 extended CONNECT is not spoken.
        boolean http2 = cluster.protocol().http2For(ex.downstreamHttp2()) && ex.upgradeType == null;
        acquiring = pool.acquire(target.address(), cluster, http2,
                () -> cluster.stats().inc("upstream_cx_total"));
        acquiring.addListener(f -> {
                    if (target != endpoint || finished || ex.isDone()) {
                        // This attempt was abandoned (timeout, downstream gone) while connecting.
                        if (f.isSuccess()) {
                            pool.release(target.address(), (Channel) f.getNow());
                        }
                        return;
                    }
                    acquiring = null;
                    if (f.isSuccess()) {
                        send((Channel) f.getNow());
                    } else if (f.cause() instanceof CircuitBreaker.OverflowException) {
                        endAttempt(false);
                        overflow();
                    } else {
                        onConnectFailure();
                    }
                });
    }

    /** A circuit-breaker threshold refused the request: 503 with x-envoy-overloaded, UO. */
    private void overflow() {
        finished = true;
        cancelTimers();
        if (!replaceLocalReply(503, true, ResponseFlag.UPSTREAM_OVERFLOW.bit())) {
            ex.respondOverloaded(OVERFLOW);
        }
    }

    /**
     * A local reply the route's custom_response replaces, by a local response (a response FallbackPolicy)
     * or by redirecting the request (a destination FallbackPolicy on overflow); counted as
     * {@code fallback_rq_served} on the cluster that failed. The reply's flags (UH, UF, UO, UT) stay in the log.
     */
    private boolean replaceLocalReply(int status, boolean overloaded, int flags) {
        if (rules == null) {
            return false;
        }
        HttpHeaders headers = new DefaultHttpHeaders(false);
        if (overloaded) {
            headers.set("x-envoy-overloaded", "true");
        }
        CustomResponseConfig.Action action = rules.match(status, headers, ex.request);
        if (action instanceof CustomResponseConfig.LocalResponse r) {
            countFallback();
            ex.respondCustom(r, status, flags);
            return true;
        }
        InternalRedirect to = action instanceof CustomResponseConfig.Redirect r ? InternalRedirect.plan(ex, r) : null;
        if (to == null) {
            return false;
        }
        countFallback();
        ex.follow(to, flags);
        return true;
    }

    private void countFallback() {
        if (cluster != null) {
            cluster.stats().inc("fallback_rq_served");
        }
    }

    private void send(Channel ch) {
        channel = ch;
        discarding = false;
        replacement = null;
        redirectTo = null;
        skippingInformational = false;
        UpstreamHandler.of(ch).attach(this);
        // The template is copied only if something may need it again (a retry, a mirror).
        HttpHeaders headers = policy.numRetries() == 0 && shadows.isEmpty() ? headerTemplate : headerTemplate.copy();
        ex.body.frame(headers, downstreamContentLength);
        // A failed write reaches UpstreamHandler.exceptionCaught (void promises), which ends the attempt.
        ex.body.sendTo(ch, ex.request.method(), upstreamUri, headers);
        if (ex.body.complete()) {
            startPerTryTimer();
        } else {
            ex.readRequestBody();
        }
    }

    private void startPerTryTimer() {
        if (policy.perTryTimeoutMillis() > 0) {
            perTryTimer = ex.ctx.executor().schedule(this::onPerTryTimeout, policy.perTryTimeoutMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    private void onConnectFailure() {
        cluster.stats().inc("upstream_cx_connect_fail");
        endpoint.counters().connectFailures.increment();
        endpoint.counters().activeRequests.decrementAndGet();
        cluster.outlierDetector().reportLocalFailure(endpoint.counters().outlier, false);
        endpoint = null;
        releaseRequestSlot();
        if (policy.retriableConnectFailure() && tryRetry()) {
            scheduleRetry();
        } else {
            finishLocal(503, CONNECT_FAILURE, ResponseFlag.UPSTREAM_CONNECTION_FAILURE, exhaustedFlag());
        }
    }

    @Override
    public void onUpstreamMessage(HttpObject msg) {
        if (finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse response) {
            onResponseHead(response);
        }
        if (msg instanceof HttpContent content) {
            onResponseContent(content);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
        if (channel != null && !finished && committed && !ex.downstreamWritable()) {
            // Upstream channels read continuously; a downstream that cannot keep up pauses this one.
            channel.config().setAutoRead(false);
        }
    }

    private void onResponseHead(HttpResponse response) {
        int code = response.status().code();
        if (code == 101 && ex.upgradeType != null) {
            // The upstream accepted the upgrade: the 101 goes downstream, then the connection is a tunnel.
            upgradeAccepted = true;
            committed = true;
            cluster.stats().inc("upstream_rq_101");
            ex.writeResponseHead(response, (ex.plane.nanoClock().getAsLong() - attemptStartNanos) / 1_000_000);
            return;
        }
        if (code >= 100 && code < 200) {
            // Interim response (we already sent the whole body): skip it and wait for the final one.
            skippingInformational = true;
            return;
        }
        skippingInformational = false;
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        cluster.stats().incCode("upstream_rq_", code);
        cluster.stats().incClass("upstream_rq_", code);
        if (code >= 500) {
            endpoint.counters().errors.increment();
        }
        cluster.outlierDetector().reportStatus(endpoint.counters().outlier, code);
        int grpcStatus = grpcStatus(response);
        if ((policy.retriableStatus(code) || policy.retriableGrpcStatus(grpcStatus)) && tryRetry()) {
            discarding = true;
            requestSent = ex.body.detach(); // the body waits for the next attempt
            return;
        }
        if (policy.retriableStatus(code) && policy.numRetries() > 0 && retriesUsed >= policy.numRetries()) {
            ex.addFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
        }
        cluster.responseHeaders().applyTo(response.headers()); // the cluster's upstream header_mutation filter
        CustomResponseConfig.Action action = rules == null ? null : rules.match(code, response.headers(), ex.request);
        if (action instanceof CustomResponseConfig.Redirect r) {
            redirectTo = InternalRedirect.plan(ex, r);
        }
        if (action instanceof CustomResponseConfig.LocalResponse || redirectTo != null) {
            // Replaced once the upstream body is drained, so the connection can go back to the pool.
            replacement = action instanceof CustomResponseConfig.LocalResponse r ? r : null;
            replacedStatus = code;
            discarding = true;
            if (redirectTo != null) {
                requestSent = ex.body.detach(); // the body waits for the redirected request
            }
            return;
        }
        if (aggregate != null && aggregate.lastWasFallback()) {
            aggregate.aggregate().stats().inc("fallback_rq_served");
        }
        committed = true;
        long serviceMillis = (ex.plane.nanoClock().getAsLong() - attemptStartNanos) / 1_000_000;
        ex.writeResponseHead(response, serviceMillis);
    }

    private void onResponseContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (skippingInformational || discarding) {
            content.release();
            if (last && skippingInformational) {
                skippingInformational = false;
            } else if (last && (replacement != null || redirectTo != null)) {
                endAttempt(true);
                finished = true;
                cancelTimers();
                countFallback();
                if (replacement != null) {
                    ex.respondCustom(replacement, replacedStatus, 0);
                } else {
                    ex.follow(redirectTo, 0);
                }
            } else if (last) {
                endAttempt(true);
                scheduleRetry();
            }
            return;
        }
        if (!committed) {
            content.release();
            return;
        }
        if (last && upgradeAccepted) {
            // The upgraded connection leaves the pool and the attempt: the exchange splices it to the downstream.
            ex.tunnelTo = channel;
            ex.body.detach();
            UpstreamHandler.of(channel).detach();
            channel = null;
            endpoint.counters().activeRequests.decrementAndGet();
            endpoint = null;
            releaseRequestSlot();
            finished = true;
            cancelTimers();
        } else if (last) {
            endAttempt(true);
            finished = true;
            cancelTimers();
        }
        ex.writeResponseContent(content);
    }

    void onDownstreamWritable() {
        if (channel != null && committed && !finished) {
            channel.config().setAutoRead(true);
        }
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        if (finished || channel == null) {
            return;
        }
        cluster.outlierDetector().reportLocalFailure(endpoint.counters().outlier, false);
        endAttempt(false);
        if (committed) {
            finished = true;
            cancelTimers();
            ex.abortDownstream(ResponseFlag.UPSTREAM_CONNECTION_TERMINATION);
            return;
        }
        cluster.stats().inc("upstream_cx_destroy_remote_with_active_rq");
        boolean refused = cause instanceof UpstreamHandler.StreamResetException reset
                && reset.code == io.netty.handler.codec.http2.Http2Error.REFUSED_STREAM;
        if ((refused ? policy.retriableRefusedStream() : policy.retriableReset()) && tryRetry()) {
            scheduleRetry();
        } else {
            finishLocal(503, RESET, ResponseFlag.UPSTREAM_CONNECTION_TERMINATION, exhaustedFlag());
        }
    }

    private void onPerTryTimeout() {
        if (finished || channel == null || committed) {
            return;
        }
        cluster.stats().inc("upstream_rq_per_try_timeout");
        cluster.outlierDetector().reportLocalFailure(endpoint.counters().outlier, true);
        endAttempt(false);
        if ((policy.retriableStatus(504) || policy.retriableReset()) && tryRetry()) {
            scheduleRetry();
        } else {
            finishLocal(504, "upstream request timeout", ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
        }
    }

    private void onGlobalTimeout() {
        if (finished) {
            return;
        }
        cluster.stats().inc("upstream_rq_timeout");
        if (channel != null && endpoint != null && !committed) {
            cluster.outlierDetector().reportLocalFailure(endpoint.counters().outlier, true);
        }
        endAttempt(false);
        if (committed) {
            finished = true;
            cancelTimers();
            ex.abortDownstream(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
        } else {
            finishLocal(504, "upstream request timeout", ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
        }
    }

    /** The downstream closed: abandon the attempt. */
    void cancel() {
        if (finished) {
            return;
        }
        endAttempt(false);
        finished = true;
        cancelTimers();
    }

    /**
     * Ends the current attempt's use of its connection: back to the pool when the response finished
     * cleanly on a keep-alive connection, otherwise closed.
     */
    private void endAttempt(boolean clean) {
        if (perTryTimer != null) {
            perTryTimer.cancel(false);
            perTryTimer = null;
        }
        Channel ch = channel;
        channel = null;
        LbEndpoint ep = endpoint;
        endpoint = null;
        if (acquiring != null) {
            io.netty.util.concurrent.Future<Channel> waiting = acquiring;
            acquiring = null;
            waiting.cancel(false); // leaves the pool's wait queue; the listener sees the attempt abandoned
        }
        if (ep != null) {
            ep.counters().activeRequests.decrementAndGet();
        }
        releaseRequestSlot();
        if (ch == null) {
            return;
        }
        if (!discarding) {
            requestSent = ex.body.detach();
        }
        UpstreamHandler.of(ch).detach();
        // A connection that did not get the whole request (the response came first) cannot be reused.
        if (clean && requestSent && upstreamKeepAlive && ch.isActive() && ep != null) {
            ex.plane.pools().forLoop(ch.eventLoop()).release(ep.address(), ch);
        } else {
            ch.close();
        }
    }

    /** grpc-status in response headers (a trailers-only gRPC response), or -1. */
    private static int grpcStatus(HttpResponse response) {
        String s = response.headers().get("grpc-status");
        if (s == null) {
            return -1;
        }
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private boolean canRetry() {
        return retriesUsed < policy.numRetries() && !ex.isDone() && ex.body.replayable();
    }

    /**
     * Whether to retry now: retries left, and a max_retries slot of the cluster's breaker (else
     * {@code upstream_rq_retry_overflow} and flag UO; the outcome at hand goes downstream). As in
     * Envoy, the slot of the previous retry is given back first.
     */
    private boolean tryRetry() {
        releaseRetrySlot();
        if (!canRetry()) {
            return false;
        }
        if (!cluster.circuitBreaker().tryAcquireRetry(cluster.thresholds())) {
            ex.addFlag(ResponseFlag.UPSTREAM_OVERFLOW);
            return false;
        }
        retrySlot = true;
        retrySlotCluster = cluster;
        return true;
    }

    private void releaseRetrySlot() {
        if (retrySlot) {
            retrySlot = false;
            retrySlotCluster.circuitBreaker().releaseRetry();
        }
    }

    private void releaseRequestSlot() {
        if (requestSlot) {
            requestSlot = false;
            cluster.circuitBreaker().releaseRequest();
        }
    }

    private ResponseFlag exhaustedFlag() {
        return policy.numRetries() > 0 && retriesUsed >= policy.numRetries()
                ? ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED : null;
    }

    private void scheduleRetry() {
        retriesUsed++;
        cluster.stats().inc("upstream_rq_retry");
        long delay = policy.backoffMillis(retriesUsed, ex.plane.random().nextDouble());
        endpoint = null;
        backoffTimer = ex.ctx.executor().schedule(this::attempt, delay, TimeUnit.MILLISECONDS);
    }

    /** Every finish path comes here: the request's breaker slots are given back. */
    private void cancelTimers() {
        releaseRetrySlot();
        releaseRequestSlot();
        if (globalTimer != null) {
            globalTimer.cancel(false);
        }
        if (perTryTimer != null) {
            perTryTimer.cancel(false);
        }
        if (backoffTimer != null) {
            backoffTimer.cancel(false);
        }
        if (grpcDeadlineTimer != null) {
            grpcDeadlineTimer.cancel(false);
        }
    }

    private void finishLocal(int status, String body, ResponseFlag flag) {
        finishLocal(status, body, flag, null);
    }

    private void finishLocal(int status, String body, ResponseFlag flag, ResponseFlag extra) {
        finished = true;
        cancelTimers();
        if (extra != null) {
            ex.addFlag(extra);
        }
        int flags = flag == null ? 0 : flag.bit();
        if (!replaceLocalReply(status, false, flags)) {
            ex.respond(status, body, "text/plain", flags);
        }
    }
}
