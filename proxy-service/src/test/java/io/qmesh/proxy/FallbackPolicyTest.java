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
