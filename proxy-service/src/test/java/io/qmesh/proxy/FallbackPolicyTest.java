package io.qmesh.proxy;

import static io.qmesh.proxy.testing.Mesh.REVIEWS;
import static io.qmesh.proxy.testing.Mesh.outbound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.Matcher;
import com.github.xds.type.matcher.v3.StringMatcher;
import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig;
import io.envoyproxy.envoy.extensions.filters.http.custom_response.v3.CustomResponse;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
import io.envoyproxy.envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy;
import io.envoyproxy.envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy;
import io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput;
import io.qmesh.proxy.http.HttpLimits;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.stats.AccessLogEntry;
import io.qmesh.proxy.stats.ResponseFlag;
import io.qmesh.proxy.testing.FakeAdsServer;
import io.qmesh.proxy.testing.FallbackXds;
import io.qmesh.proxy.testing.Mesh;
import io.qmesh.proxy.testing.ProxyHarness;
import io.qmesh.proxy.testing.TestUpstream;
import io.qmesh.proxy.xds.TypeUrls;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FallbackPolicy's Envoy constructs through the real proxy on loopback, in the shape pilot sends them:
 * aggregate clusters {primary, fallback} with the previous-priorities retry priority on the route, the
 * fallback cluster marking its responses with an upstream header_mutation filter, and per-route
 * custom_response local responses or, for a destination on overflow, redirects to the fallback's internal
 * virtual host. Primaries all ejected, refusing connections, too slow, overflowing, answering 5xx or
 * without endpoints are answered by the fallback, marked and counted.
 */
class FallbackPolicyTest {

    static final String DETAILS = "details.default.svc.cluster.local";
    static final String FALLBACK_ORIGINAL = outbound(9080, "v1", REVIEWS);
    static final String FALLBACK = "fallback~default~reviews-v1|9080|v1|" + REVIEWS;
    static final String EJECTED = outbound(9080, "v2", REVIEWS);
    static final String REFUSED = outbound(9080, "v3", REVIEWS);
    static final String SLOW = outbound(9080, "v4", REVIEWS);
    static final String HEALTHY = outbound(9080, "v5", REVIEWS);
    static final String OVERFLOWING = outbound(9080, "", DETAILS);
    static final String FAILING = outbound(9080, "v1", DETAILS);
    static final String EMPTY = outbound(9080, "v2", DETAILS);
    static final String CUSTOM_RESPONSE = "envoy.filters.http.custom_response";
    /** maxConnections 1, maxPendingRequests 1: a third concurrent request overflows. */
    static final String BUSY = outbound(9080, "v6", REVIEWS);
    /** max_requests 0: every request overflows. */
    static final String FULL = outbound(9080, "v7", REVIEWS);
    /** Pilot's internal virtual host for the fallback: host_redirect + port_redirect lead there. */
    static final String FALLBACK_HOST = "reviews-v1.default.fallback.qmesh.internal";
    static final String FALLBACK_DOMAIN = FALLBACK_HOST + ":9080";
    static final String LOOP_DOMAIN = "loop.default.fallback.qmesh.internal";
    static final String POLICY = "default/reviews-v1";

    static ProxyHarness h;
    static TestUpstream fallbackUp;
    static TestUpstream ejectUp;
    static TestUpstream slowUp;
    static TestUpstream healthyUp;
    static TestUpstream detailsUp;
    static TestUpstream busyUp;
    static final java.util.concurrent.atomic.AtomicLong ticker = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());

    @BeforeAll
    static void start() throws Exception {
        fallbackUp = new TestUpstream("reviews-v1");
        ejectUp = new TestUpstream("reviews-v2");
        slowUp = new TestUpstream("reviews-v4");
        healthyUp = new TestUpstream("reviews-v5");
        detailsUp = new TestUpstream("details-v1");
        busyUp = new TestUpstream("reviews-v6");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        h = new ProxyHarness(RandomSource.THREAD_LOCAL,
                new ProxySettings("127.0.0.1", 0, 0, 0, 1, true, 20, 200, HttpLimits.DEFAULT), ticker::get);
        Cluster ejecting = Mesh.edsCluster(EJECTED, Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
                .setOutlierDetection(OutlierDetection.newBuilder()
                        .setConsecutive5Xx(UInt32Value.of(1)).setEnforcingConsecutive5Xx(UInt32Value.of(100))
                        .setInterval(ms(100)).setBaseEjectionTime(ms(30_000)).setMaxEjectionPercent(UInt32Value.of(100)))
                .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(io.envoyproxy.envoy.type.v3.Percent.newBuilder().setValue(0)))
                .build();
        Cluster overflowing = Mesh.edsCluster(OVERFLOWING, Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
                .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                        .setMaxRequests(UInt32Value.of(0))))
                .build();
        Cluster busy = Mesh.edsCluster(BUSY, Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
                .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                        .setMaxConnections(UInt32Value.of(1)).setMaxPendingRequests(UInt32Value.of(1))))
                .build();
        Cluster full = overflowing.toBuilder().setName(FULL).build();
        h.ads.set(TypeUrls.CLUSTER, "c1", List.of(busy, aggregate(BUSY), full, aggregate(FULL),
                Mesh.edsCluster(FALLBACK_ORIGINAL, Cluster.LbPolicy.ROUND_ROBIN), fallbackCluster(),
                ejecting, aggregate(EJECTED),
                Mesh.edsCluster(REFUSED, Cluster.LbPolicy.ROUND_ROBIN), aggregate(REFUSED),
                Mesh.edsCluster(SLOW, Cluster.LbPolicy.ROUND_ROBIN), aggregate(SLOW),
                Mesh.edsCluster(HEALTHY, Cluster.LbPolicy.ROUND_ROBIN), aggregate(HEALTHY),
                overflowing, Mesh.edsCluster(FAILING, Cluster.LbPolicy.ROUND_ROBIN), Mesh.edsCluster(EMPTY, Cluster.LbPolicy.ROUND_ROBIN)));
        h.ads.set(TypeUrls.ENDPOINT, "e1", List.of(
                Mesh.endpoints(FALLBACK_ORIGINAL, fallbackUp.address()),
                Mesh.endpoints(EJECTED, ejectUp.address()),
                Mesh.endpoints(REFUSED, new java.net.InetSocketAddress("127.0.0.1", closedPort)),
                Mesh.endpoints(SLOW, slowUp.address()),
                Mesh.endpoints(HEALTHY, healthyUp.address()),
                Mesh.endpoints(OVERFLOWING, detailsUp.address()),
                Mesh.endpoints(FAILING, detailsUp.address()),
                Mesh.endpoints(EMPTY),
                Mesh.endpoints(BUSY, busyUp.address()),
                Mesh.endpoints(FULL, busyUp.address())));
        h.ads.set(TypeUrls.LISTENER, "l1", List.of(Mesh.virtualOutbound(), Mesh.outboundHttpPort(9080,
                HttpFilter.newBuilder().setName(CUSTOM_RESPONSE).setTypedConfig(Any.pack(CustomResponse.getDefaultInstance())).build())));
        h.ads.set(TypeUrls.ROUTE, "r1", List.of(Mesh.routeConfig(9080, REVIEWS,
                aggregateRoute("/ejected", EJECTED, 2, 0),
                aggregateRoute("/refused", REFUSED, 2, 0),
                aggregateRoute("/slow", SLOW, 0, 200),
                aggregateRoute("/healthy", HEALTHY, 2, 0),
                overflowRedirect("/busy", BUSY, FallbackXds.toHost(FALLBACK_HOST, 9080)),
                overflowRedirect("/full-extras", FULL, RedirectPolicy.newBuilder()
                        .setRedirectAction(RedirectAction.newBuilder().setHostRedirect(FALLBACK_HOST).setPortRedirect(9080)
                                .setPathRedirect("/elsewhere?from=full"))
                        .setStatusCode(UInt32Value.of(203))
                        .addRequestHeadersToAdd(header("x-redirected", "yes"))
                        .addResponseHeadersToAdd(header("x-extra", "1")).build()),
                overflowRedirect("/full-nowhere", FULL, FallbackXds.toHost("nowhere.qmesh.internal", 9080)),
                overflowRedirect("/full-loop", FULL, FallbackXds.toHost(LOOP_DOMAIN, 0)),
                weightedOverflowRedirect("/weighted", FULL, FallbackXds.toHost(FALLBACK_HOST, 9080)),
                overflowRedirect("/full", FULL, FallbackXds.toHost(FALLBACK_HOST, 9080))).toBuilder()
                .addVirtualHosts(Mesh.routeConfig(9080, DETAILS,
                        staticRoute("/overflow", OVERFLOWING),
                        staticRoute("/details-5xx", FAILING),
                        staticRoute("/empty", EMPTY),
                        // Any matched response may be redirected, an upstream 503 too (not pilot's shape).
                        Mesh.prefixRoute("/redirect-503", FAILING).toBuilder().putTypedPerFilterConfig(CUSTOM_RESPONSE,
                                Any.pack(CustomResponse.newBuilder().setCustomResponseMatcher(Matcher.newBuilder()
                                        .setMatcherList(Matcher.MatcherList.newBuilder().addMatchers(
                                                Matcher.MatcherList.FieldMatcher.newBuilder()
                                                        .setPredicate(FallbackXds.single(HttpResponseStatusCodeMatchInput.getDefaultInstance(), "503"))
                                                        .setOnMatch(Matcher.OnMatch.newBuilder().setAction(TypedExtensionConfig.newBuilder()
                                                                .setName("to-fallback").setTypedConfig(Any.pack(RedirectPolicy.newBuilder()
                                                                        .setRedirectAction(RedirectAction.newBuilder().setHostRedirect(FALLBACK_HOST).setPortRedirect(9080))
                                                                        .addRequestHeadersToAdd(header("x-test-status", "200"))
                                                                        .build()))))))).build())).build()).getVirtualHosts(0))
                .addVirtualHosts(FallbackXds.fallbackVirtualHost(FALLBACK_DOMAIN, FALLBACK))
                // A redirect target whose own route would redirect again: at most one redirect per request.
                .addVirtualHosts(io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName(LOOP_DOMAIN)
                        .addDomains(LOOP_DOMAIN).addRoutes(FallbackXds.withOverflowRedirect(
                                aggregateRoute("/", FULL, 0, 0), POLICY, FallbackXds.toHost(LOOP_DOMAIN, 0))))
                .build()));
        h.awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
        List.of(fallbackUp, ejectUp, slowUp, healthyUp, detailsUp, busyUp).forEach(TestUpstream::close);
    }

    static com.google.protobuf.Duration ms(long millis) {
        return FallbackXds.duration(millis);
    }

    static String aggregateName(String primary) {
        return "aggregate~default~reviews-v1" + primary.substring(primary.indexOf('|'));
    }

    /** The fallback destination's endpoints under the policy's name, marking what it serves. */
    static Cluster fallbackCluster() {
        return FallbackXds.fallbackCluster(FALLBACK, FALLBACK_ORIGINAL, "default/reviews-v1");
    }

    static Cluster aggregate(String primary) {
        return FallbackXds.aggregate(aggregateName(primary), primary, FALLBACK);
    }

    static Route aggregateRoute(String prefix, String primary, int routeRetries, long perTryMillis) {
        return FallbackXds.aggregateRoute(prefix, aggregateName(primary), routeRetries, perTryMillis);
    }

    /** Pilot's route for a destination fallback that includes Overflow: the aggregate, plus the overflow redirect. */
    static Route overflowRedirect(String prefix, String primary, RedirectPolicy redirect) {
        return FallbackXds.withOverflowRedirect(aggregateRoute(prefix, primary, 0, 0), POLICY, redirect);
    }

    /** The same on a weighted route: the redirect is the target cluster's typed_per_filter_config, not the route's. */
    static Route weightedOverflowRedirect(String prefix, String primary, RedirectPolicy redirect) {
        Route r = aggregateRoute(prefix, primary, 0, 0);
        RouteAction.Builder a = r.getRoute().toBuilder().setWeightedClusters(
                io.envoyproxy.envoy.config.route.v3.WeightedCluster.newBuilder().addClusters(
                        io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight.newBuilder()
                                .setName(aggregateName(primary)).setWeight(UInt32Value.of(100))
                                .putTypedPerFilterConfig(CUSTOM_RESPONSE, Any.pack(FallbackXds.overflowRedirect(POLICY, redirect)))));
        return r.toBuilder().setRoute(a).build();
    }

    /** Answered by the fallback destination (reviews v1), marked with the policy. */
    static void assertServedByTheFallback(HttpResponse<String> r) {
        assertEquals("reviews-v1", r.body());
        assertEquals(POLICY, r.headers().firstValue("x-qmesh-fallback").orElse(null));
    }

    static HeaderValueOption header(String key, String value) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(key).setValue(value))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD).build();
    }

    static Route staticRoute(String prefix, String cluster) {
        return FallbackXds.staticRoute(prefix, cluster, "default/details-static");
    }

    static long stat(String cluster, String name) {
        return h.proxy.stats().get("cluster." + cluster + "." + name);
    }

    static AccessLogEntry lastLog(String path) throws InterruptedException {
        FakeAdsServer.await("access log for " + path, () -> h.accessLog.stream().anyMatch(e -> e.path().equals(path)));
        return h.accessLog.stream().filter(e -> e.path().equals(path)).reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void aHealthyPrimaryServesUnmarked() throws Exception {
        HttpResponse<String> r = h.get("http://" + REVIEWS + ":9080/healthy");
        assertEquals(200, r.statusCode());
        assertEquals("reviews-v5", r.body());
        assertTrue(r.headers().firstValue("x-qmesh-fallback").isEmpty());
        assertEquals(0, stat(aggregateName(HEALTHY), "fallback_rq_served"));
    }

    @Test
    void a5xxPrimaryFallsBackAndOnceEjectedSendsEverythingToTheFallback() throws Exception {
        ejectUp.forcedStatus = 500;
        HttpResponse<String> first = h.get("http://" + REVIEWS + ":9080/ejected");
        assertEquals(200, first.statusCode());
        assertEquals("reviews-v1", first.body());
        assertEquals("default/reviews-v1", first.headers().firstValue("x-qmesh-fallback").orElse(null));
        // One 500 ejected the only primary endpoint: its priority has no health, so the retry went to the fallback.
        assertEquals(1, ejectUp.requests());
        assertEquals(1, stat(EJECTED, "outlier_detection.ejections_enforced_total"));

        ejectUp.forcedStatus = 0;
        HttpResponse<String> second = h.get("http://" + REVIEWS + ":9080/ejected");
        assertEquals("reviews-v1", second.body());
        assertEquals("default/reviews-v1", second.headers().firstValue("x-qmesh-fallback").orElse(null));
        assertEquals(1, ejectUp.requests(), "an all-ejected primary gets no first attempt");
        assertEquals(2, stat(aggregateName(EJECTED), "fallback_rq_served"));
    }

    @Test
    void aRefusingPrimaryIsTriedTheRoutesAttemptsThenTheFallbackAnswers() throws Exception {
        HttpResponse<String> r = h.get("http://" + REVIEWS + ":9080/refused");
        assertEquals(200, r.statusCode());
        assertServedByTheFallback(r);
        // update_frequency 3: the first attempt and the route's 2 retries stay on the primary.
        assertEquals(3, stat(REFUSED, "upstream_cx_connect_fail"));
        assertEquals(1, stat(aggregateName(REFUSED), "fallback_rq_served"));
        assertEquals(FALLBACK, lastLog("/refused").upstreamCluster());
    }

    @Test
    void aSlowPrimaryTimesOutPerTryAndTheFallbackAnswers() throws Exception {
        slowUp.forcedDelayMillis = 3000;
        long start = System.nanoTime();
        HttpResponse<String> r = h.get("http://" + REVIEWS + ":9080/slow");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, r.statusCode());
        assertServedByTheFallback(r);
        assertEquals(1, stat(SLOW, "upstream_rq_per_try_timeout"));
        assertTrue(millis < 2500, "answered by the fallback after the 200 ms per-try timeout, not the 3 s primary: " + millis);
    }

    @Test
    void anOverflowingPrimaryGetsTheStaticResponse() throws Exception {
        HttpResponse<String> r = h.get("http://" + DETAILS + ":9080/overflow");
        assertEquals(200, r.statusCode());
        assertEquals("{\"degraded\": true}", r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        assertEquals("default/details-static", r.headers().firstValue("x-qmesh-fallback").orElse(null));
        assertNull(r.headers().firstValue("x-envoy-overloaded").orElse(null));
        assertEquals(1, stat(OVERFLOWING, "fallback_rq_served"));
        AccessLogEntry log = lastLog("/overflow");
        assertEquals(200, log.status());
        assertTrue((log.responseFlags() & ResponseFlag.UPSTREAM_OVERFLOW.bit()) != 0, "the overflow stays in the log");
    }

    @Test
    void a5xxAfterRetriesGetsTheStaticResponseAndOtherStatusesPass() throws Exception {
        HttpResponse<String> r = h.get("http://" + DETAILS + ":9080/details-5xx", "x-test-status", "500");
        assertEquals(200, r.statusCode());
        assertEquals("{\"degraded\": true}", r.body());
        assertEquals("default/details-static", r.headers().firstValue("x-qmesh-fallback").orElse(null));
        assertEquals(1, stat(FAILING, "upstream_rq_500"));

        HttpResponse<String> notFound = h.get("http://" + DETAILS + ":9080/details-5xx", "x-test-status", "404");
        assertEquals(404, notFound.statusCode());
        assertEquals("details-v1", notFound.body());
        assertTrue(notFound.headers().firstValue("x-qmesh-fallback").isEmpty());
        assertEquals(1, stat(FAILING, "fallback_rq_served"));
        // The connection the replaced response came on went back to the pool and serves the next request.
        assertEquals(200, h.get("http://" + DETAILS + ":9080/details-5xx").statusCode());
    }

    @Test
    void noHealthyUpstreamGetsTheStaticResponseVisibleInStatsAndPrometheus() throws Exception {
        HttpResponse<String> r = h.get("http://" + DETAILS + ":9080/empty");
        assertEquals(200, r.statusCode());
        assertEquals("default/details-static", r.headers().firstValue("x-qmesh-fallback").orElse(null));
        assertTrue((lastLog("/empty").responseFlags() & ResponseFlag.NO_HEALTHY_UPSTREAM.bit()) != 0);
        assertEquals(1, stat(EMPTY, "fallback_rq_served"));

        HttpClient plain = HttpClient.newHttpClient();
        String stats = plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.proxy.adminAddress().getPort() + "/stats"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(stats.contains("cluster." + EMPTY + ".fallback_rq_served: 1"), stats);
        String prom = plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.proxy.prometheusAddress().getPort()
                + "/stats/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(prom.contains("envoy_cluster_fallback_rq_served{cluster_name=\"" + EMPTY + "\"} 1"), prom);
    }

    @Test
    void concurrentRequestsOverflowingTheBreakerAreServedByTheFallbackDestination() throws Exception {
        long overflowBefore = stat(BUSY, "upstream_rq_pending_overflow");
        long servedBefore = stat(BUSY, "fallback_rq_served");
        int busyBefore = busyUp.requests();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<HttpResponse<String>> responses = new ArrayList<>();
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                // Each client its own connection to the proxy; the primary holds each request 300 ms.
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .proxy(java.net.ProxySelector.of(h.outbound())).build();
                futures.add(pool.submit(() -> client.send(HttpRequest.newBuilder(URI.create("http://" + REVIEWS + ":9080/busy"))
                        .header("x-test-delay-ms", "300").timeout(java.time.Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString())));
            }
            for (Future<HttpResponse<String>> f : futures) {
                responses.add(f.get());
            }
        } finally {
            pool.shutdown();
        }
        List<HttpResponse<String>> marked = responses.stream()
                .filter(r -> r.headers().firstValue("x-qmesh-fallback").isPresent()).toList();
        for (HttpResponse<String> r : responses) {
            assertEquals(200, r.statusCode(), r.body());
        }
        for (HttpResponse<String> r : marked) {
            assertServedByTheFallback(r);
            assertNull(r.headers().firstValue("x-envoy-overloaded").orElse(null));
        }
        long overflowed = stat(BUSY, "upstream_rq_pending_overflow") - overflowBefore;
        assertTrue(overflowed >= 1, "one connection and one pending slot cannot hold 4 concurrent requests");
        assertEquals(overflowed, marked.size(), "every overflowed request, and only those, went to the fallback");
        assertEquals(overflowed, stat(BUSY, "fallback_rq_served") - servedBefore);
        assertEquals(responses.size() - marked.size(), busyUp.requests() - busyBefore, "the admitted ones reached the primary");
        assertTrue(responses.stream().filter(r -> marked.contains(r)).noneMatch(r -> r.body().equals("reviews-v6")));
    }

    @Test
    void anOverflowedGetReachesTheFallbackWithItsPathAndQuery() throws Exception {
        long before = stat(FULL, "fallback_rq_served");
        HttpResponse<String> r = h.get("http://" + REVIEWS + ":9080/full/reviews?id=7");
        assertEquals(200, r.statusCode(), r.body());
        assertServedByTheFallback(r);
        assertEquals("/full/reviews?id=7", fallbackUp.lastPath);
        assertEquals(FALLBACK_DOMAIN, fallbackUp.lastHeaders.get("host"));
        assertEquals(1, stat(FULL, "fallback_rq_served") - before);
        AccessLogEntry log = lastLog("/full/reviews?id=7");
        assertEquals(200, log.status());
        assertEquals(FALLBACK, log.upstreamCluster());
        assertTrue((log.responseFlags() & ResponseFlag.UPSTREAM_OVERFLOW.bit()) != 0, "the overflow stays in the log");
    }

    @Test
    void anOverflowedPostKeepsTheOverflowReplyAsEnvoyWouldResendItAsABodilessGet() throws Exception {
        long before = stat(FULL, "fallback_rq_served");
        int fallbackBefore = fallbackUp.requests();
        HttpResponse<String> r = h.client().send(HttpRequest.newBuilder(URI.create("http://" + REVIEWS + ":9080/full/ratings?id=7"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"reviewer\": \"jason\", \"stars\": 5}"))
                .timeout(java.time.Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, r.statusCode(), r.body());
        assertEquals("true", r.headers().firstValue("x-envoy-overloaded").orElse(null));
        assertEquals(fallbackBefore, fallbackUp.requests(), "nothing went to the fallback");
        assertEquals(before, stat(FULL, "fallback_rq_served"));
    }

    @Test
    void aWeightedClustersRedirectIsFoundOnceTheClusterIsChosen() throws Exception {
        HttpResponse<String> r = h.get("http://" + REVIEWS + ":9080/weighted");
        assertEquals(200, r.statusCode(), r.body());
        assertServedByTheFallback(r);
    }

    @Test
    void anUpstreamResponseIsRedirectedWithTheBodyItWasSentAlready() throws Exception {
        long before = stat(FAILING, "fallback_rq_served");
        HttpResponse<String> r = h.client().send(HttpRequest.newBuilder(URI.create("http://" + DETAILS + ":9080/redirect-503"))
                .header("x-test-status", "503").POST(HttpRequest.BodyPublishers.ofString("isbn=0486424618"))
                .timeout(java.time.Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("reviews-v1", r.body());
        assertEquals("isbn=0486424618", detailsUp.lastBody, "the first upstream got the body");
        assertEquals("isbn=0486424618", fallbackUp.lastBody, "and the redirect target got it again");
        assertEquals(1, stat(FAILING, "fallback_rq_served") - before);
    }

    @Test
    void aBodyThatOutgrewTheBufferCannotBeRedirectedAndTheOriginalResponsePasses() throws Exception {
        long before = stat(FAILING, "fallback_rq_served");
        int fallbackBefore = fallbackUp.requests();
        byte[] big = new byte[2 * 1024 * 1024]; // past the 1 MiB buffer: streamed on, not kept
        HttpResponse<String> r = h.client().send(HttpRequest.newBuilder(URI.create("http://" + DETAILS + ":9080/redirect-503"))
                .header("x-test-status", "503").POST(HttpRequest.BodyPublishers.ofByteArray(big))
                .timeout(java.time.Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, r.statusCode());
        assertEquals("details-v1", r.body());
        assertEquals(big.length, detailsUp.lastBodyBytes);
        assertEquals(fallbackBefore, fallbackUp.requests(), "nothing went to the redirect target");
        assertEquals(before, stat(FAILING, "fallback_rq_served"));
    }

    @Test
    void aRedirectPolicyRewritesThePathAddsHeadersAndOverridesTheStatus() throws Exception {
        HttpResponse<String> r = h.get("http://" + REVIEWS + ":9080/full-extras?dropped=1");
        assertEquals(203, r.statusCode());
        assertEquals("reviews-v1", r.body());
        assertEquals("1", r.headers().firstValue("x-extra").orElse(null));
        assertEquals(POLICY, r.headers().firstValue("x-qmesh-fallback").orElse(null));
        assertEquals("/elsewhere?from=full", fallbackUp.lastPath);
        assertEquals("yes", fallbackUp.lastHeaders.get("x-redirected"));
    }

    @Test
    void aRedirectWithoutARouteOrASecondRedirectLetsTheOverflowReplyPass() throws Exception {
        long noRoute = h.proxy.stats().get("http.outbound_0.0.0.0_9080.custom_response_redirect_no_route");
        HttpResponse<String> nowhere = h.get("http://" + REVIEWS + ":9080/full-nowhere");
        assertEquals(503, nowhere.statusCode());
        assertEquals("true", nowhere.headers().firstValue("x-envoy-overloaded").orElse(null));
        assertTrue(nowhere.body().contains("reset reason: overflow"), nowhere.body());
        assertEquals(noRoute + 1, h.proxy.stats().get("http.outbound_0.0.0.0_9080.custom_response_redirect_no_route"));

        // The loop host's own route overflows and would redirect again: the second overflow reply goes downstream.
        HttpResponse<String> loop = h.get("http://" + REVIEWS + ":9080/full-loop");
        assertEquals(503, loop.statusCode());
        assertEquals("true", loop.headers().firstValue("x-envoy-overloaded").orElse(null));
        assertEquals(LOOP_DOMAIN, lastLog("/full-loop").authority());
    }

    @Test
    void configDumpShowsTheFallbackConstructs() throws Exception {
        String dump = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + h.proxy.adminAddress().getPort() + "/config_dump")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(!dump.contains("Cannot find type"), dump);
        assertTrue(dump.contains("envoy.extensions.clusters.aggregate.v3.ClusterConfig"), dump);
        assertTrue(dump.contains("PreviousPrioritiesConfig") && dump.contains("LocalResponsePolicy")
                && dump.contains("x-qmesh-fallback") && dump.contains("RedirectPolicy"), dump);
    }
}
