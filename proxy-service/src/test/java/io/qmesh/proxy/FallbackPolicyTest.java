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
import io.qmesh.proxy.testing.Mesh;
import io.qmesh.proxy.testing.ProxyHarness;
import io.qmesh.proxy.testing.TestUpstream;
import io.qmesh.proxy.xds.TypeUrls;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FallbackPolicy's Envoy constructs through the real proxy on loopback, in the shape pilot sends them:
 * aggregate clusters {primary, fallback} with the previous-priorities retry priority on the route, the
 * fallback cluster marking its responses with an upstream header_mutation filter, and per-route
 * custom_response local responses. Primaries all ejected, refusing connections, too slow, overflowing,
 * answering 5xx or without endpoints are answered by the fallback, marked and counted.
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

    static ProxyHarness h;
    static TestUpstream fallbackUp;
    static TestUpstream ejectUp;
    static TestUpstream slowUp;
    static TestUpstream healthyUp;
    static TestUpstream detailsUp;
    static final java.util.concurrent.atomic.AtomicLong ticker = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());

    @BeforeAll
    static void start() throws Exception {
        fallbackUp = new TestUpstream("reviews-v1");
        ejectUp = new TestUpstream("reviews-v2");
        slowUp = new TestUpstream("reviews-v4");
        healthyUp = new TestUpstream("reviews-v5");
        detailsUp = new TestUpstream("details-v1");
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
        h.ads.set(TypeUrls.CLUSTER, "c1", List.of(
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
                Mesh.endpoints(EMPTY)));
        h.ads.set(TypeUrls.LISTENER, "l1", List.of(Mesh.virtualOutbound(), Mesh.outboundHttpPort(9080,
                HttpFilter.newBuilder().setName(CUSTOM_RESPONSE).setTypedConfig(Any.pack(CustomResponse.getDefaultInstance())).build())));
        h.ads.set(TypeUrls.ROUTE, "r1", List.of(Mesh.routeConfig(9080, REVIEWS,
                aggregateRoute("/ejected", EJECTED, 2, 0),
                aggregateRoute("/refused", REFUSED, 2, 0),
                aggregateRoute("/slow", SLOW, 0, 200),
                aggregateRoute("/healthy", HEALTHY, 2, 0)).toBuilder()
                .addVirtualHosts(Mesh.routeConfig(9080, DETAILS,
                        staticRoute("/overflow", OVERFLOWING),
                        staticRoute("/details-5xx", FAILING),
                        staticRoute("/empty", EMPTY)).getVirtualHosts(0))
                .build()));
        h.awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
        List.of(fallbackUp, ejectUp, slowUp, healthyUp, detailsUp).forEach(TestUpstream::close);
    }

    static com.google.protobuf.Duration ms(long millis) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000).build();
    }

    static String aggregateName(String primary) {
        return "aggregate~default~reviews-v1" + primary.substring(primary.indexOf('|'));
    }

    /** The fallback destination's endpoints under the policy's name, marking what it serves. */
    static Cluster fallbackCluster() {
        HeaderMutation mark = HeaderMutation.newBuilder().setAppend(HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey("x-qmesh-fallback").setValue("default/reviews-v1"))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)).build();
        Cluster c = Mesh.edsCluster(FALLBACK, Cluster.LbPolicy.ROUND_ROBIN);
        return c.toBuilder()
                .setEdsClusterConfig(c.getEdsClusterConfig().toBuilder().setServiceName(FALLBACK_ORIGINAL))
                .putTypedExtensionProtocolOptions("envoy.extensions.upstreams.http.v3.HttpProtocolOptions", Any.pack(
                        HttpProtocolOptions.newBuilder()
                                .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                                        .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()))
                                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.header_mutation")
                                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
                                                .newBuilder().setMutations(Mutations.newBuilder().addResponseMutations(mark)).build())))
                                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.upstream_codec")
                                        .setTypedConfig(Any.pack(UpstreamCodec.getDefaultInstance())))
                                .build()))
                .build();
    }

    static Cluster aggregate(String primary) {
        return Cluster.newBuilder()
                .setName(aggregateName(primary))
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                .setClusterType(Cluster.CustomClusterType.newBuilder().setName("envoy.clusters.aggregate")
                        .setTypedConfig(Any.pack(ClusterConfig.newBuilder().addClusters(primary).addClusters(FALLBACK).build())))
                .build();
    }

    /** Pilot's route for a destination fallback: the route's retries on the primary, then one on the fallback. */
    static Route aggregateRoute(String prefix, String primary, int routeRetries, long perTryMillis) {
        RetryPolicy.Builder retry = RetryPolicy.newBuilder()
                .setRetryOn("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes,5xx,reset")
                .setNumRetries(UInt32Value.of(routeRetries + 1))
                .addRetriableStatusCodes(503)
                .setRetryPriority(RetryPolicy.RetryPriority.newBuilder().setName("envoy.retry_priorities.previous_priorities")
                        .setTypedConfig(Any.pack(PreviousPrioritiesConfig.newBuilder().setUpdateFrequency(routeRetries + 1).build())))
                .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName("envoy.retry_host_predicates.previous_hosts")
                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDefaultInstance())))
                .setHostSelectionRetryMaxAttempts(5);
        if (perTryMillis > 0) {
            retry.setPerTryTimeout(ms(perTryMillis));
        }
        return Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix(prefix))
                .setRoute(RouteAction.newBuilder().setCluster(aggregateName(primary)).setTimeout(ms(0)).setRetryPolicy(retry))
                .build();
    }

    /** Pilot's route for a response fallback: any 5xx or an overload becomes a degraded 200. */
    static Route staticRoute(String prefix, String cluster) {
        LocalResponsePolicy degraded = LocalResponsePolicy.newBuilder()
                .setStatusCode(UInt32Value.of(200))
                .setBody(DataSource.newBuilder().setInlineString("{\"degraded\": true}"))
                .addResponseHeadersToAdd(HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey("content-type").setValue("application/json"))
                        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                .addResponseHeadersToAdd(HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey("x-qmesh-fallback").setValue("default/details-static"))
                        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                .build();
        Matcher.MatcherList.Predicate predicate = Matcher.MatcherList.Predicate.newBuilder().setOrMatcher(
                Matcher.MatcherList.Predicate.PredicateList.newBuilder()
                        .addPredicate(single(HttpResponseStatusCodeClassMatchInput.getDefaultInstance(), "5xx"))
                        .addPredicate(single(HttpResponseHeaderMatchInput.newBuilder().setHeaderName("x-envoy-overloaded").build(), "true"))
                        .addPredicate(single(HttpResponseStatusCodeMatchInput.getDefaultInstance(), "504"))).build();
        CustomResponse cr = CustomResponse.newBuilder().setCustomResponseMatcher(Matcher.newBuilder().setMatcherList(
                Matcher.MatcherList.newBuilder().addMatchers(Matcher.MatcherList.FieldMatcher.newBuilder()
                        .setPredicate(predicate)
                        .setOnMatch(Matcher.OnMatch.newBuilder().setAction(TypedExtensionConfig.newBuilder()
                                .setName("fallback:default/details-static").setTypedConfig(Any.pack(degraded))))))).build();
        return Mesh.prefixRoute(prefix, cluster).toBuilder().putTypedPerFilterConfig(CUSTOM_RESPONSE, Any.pack(cr)).build();
    }

    static Matcher.MatcherList.Predicate single(Message input, String exact) {
        return Matcher.MatcherList.Predicate.newBuilder().setSinglePredicate(Matcher.MatcherList.Predicate.SinglePredicate.newBuilder()
                .setInput(TypedExtensionConfig.newBuilder().setName("input").setTypedConfig(Any.pack(input)))
                .setValueMatch(StringMatcher.newBuilder().setExact(exact))).build();
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
        assertEquals("reviews-v1", r.body());
        assertEquals("default/reviews-v1", r.headers().firstValue("x-qmesh-fallback").orElse(null));
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
        assertEquals("reviews-v1", r.body());
        assertEquals("default/reviews-v1", r.headers().firstValue("x-qmesh-fallback").orElse(null));
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
    void configDumpShowsTheFallbackConstructs() throws Exception {
        String dump = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + h.proxy.adminAddress().getPort() + "/config_dump")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(!dump.contains("Cannot find type"), dump);
        assertTrue(dump.contains("envoy.extensions.clusters.aggregate.v3.ClusterConfig"), dump);
        assertTrue(dump.contains("PreviousPrioritiesConfig") && dump.contains("LocalResponsePolicy")
                && dump.contains("x-qmesh-fallback"), dump);
    }
}
