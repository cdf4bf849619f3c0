package io.qmesh.proxy;

import static io.qmesh.proxy.testing.Mesh.REVIEWS;
import static io.qmesh.proxy.testing.Mesh.outbound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.qmesh.proxy.http.HttpLimits;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.stats.ResponseFlag;
import io.qmesh.proxy.testing.FakeAdsServer;
import io.qmesh.proxy.testing.Mesh;
import io.qmesh.proxy.testing.ProxyHarness;
import io.qmesh.proxy.testing.TestUpstream;
import io.qmesh.proxy.xds.TypeUrls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Istio's circuit-breaking and outlier-detection tasks through the real proxy on loopback: clusters in
 * the shape pilot sends for a DestinationRule with connectionPool (maxConnections 1,
 * http1MaxPendingRequests 1, maxRequestsPerConnection 1) and outlierDetection (3 consecutive 5xx,
 * 100 ms interval, 30 s base ejection time, 100 % max ejection) with outlier detection on a fake
 * ticker, so that the ejection time passes without sleeping and however slow the machine is.
 */
class CircuitBreakingTest {

    static final String LIMITED = outbound(9080, "v1", REVIEWS);
    static final String OUTLIER = outbound(9080, "", REVIEWS);
    static final String NO_RETRIES = outbound(9080, "v2", REVIEWS);
    static final String IDLE = outbound(9080, "v3", REVIEWS);
    static final String ONE_REQUEST = outbound(9080, "v4", REVIEWS);
    static final long UNLIMITED = 4_294_967_295L;
    static ProxyHarness h;
    static TestUpstream slow;
    static TestUpstream idleUpstream;
    static TestUpstream shared;
    static final List<TestUpstream> reviews = new ArrayList<>();
    static final java.util.concurrent.atomic.AtomicLong ticker = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());

    @BeforeAll
    static void start() throws Exception {
        slow = new TestUpstream("reviews-v1");
        // Each connection-counting test has its own upstream: pooled connections are shared by address.
        idleUpstream = new TestUpstream("reviews-v3");
        shared = new TestUpstream("reviews-v2");
        for (int i = 0; i < 3; i++) {
            reviews.add(new TestUpstream("reviews-" + i));
        }
        // One event loop, so that the connection limit is exact (Envoy's pools are per worker too).
        h = new ProxyHarness(RandomSource.THREAD_LOCAL,
                new ProxySettings("127.0.0.1", 0, 0, 0, 1, true, 20, 200, HttpLimits.DEFAULT), ticker::get);
        Cluster limited = istioShape(Mesh.edsCluster(LIMITED, Cluster.LbPolicy.LEAST_REQUEST), 1, 1, 1).toBuilder()
                .build();
        Cluster outlier = istioShape(Mesh.edsCluster(OUTLIER, Cluster.LbPolicy.ROUND_ROBIN), UNLIMITED, UNLIMITED, 0)
                .toBuilder()
                .setOutlierDetection(OutlierDetection.newBuilder()
                        .setConsecutive5Xx(UInt32Value.of(3)).setEnforcingConsecutive5Xx(UInt32Value.of(100))
                        .setInterval(ms(100)).setBaseEjectionTime(ms(30_000)).setMaxEjectionPercent(UInt32Value.of(100)))
                .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(io.envoyproxy.envoy.type.v3.Percent.newBuilder().setValue(0)))
                .build();
        // max_retries 0: no request may be retrying, so every retry overflows.
        Cluster noRetries = Mesh.edsCluster(NO_RETRIES, Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
                .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                        .setMaxRetries(UInt32Value.of(0))))
                .build();
        Cluster idle = istioShape(Mesh.edsCluster(IDLE, Cluster.LbPolicy.ROUND_ROBIN), UNLIMITED, UNLIMITED, 0);
        idle = idle.toBuilder().putTypedExtensionProtocolOptions("envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                Any.pack(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                        .setCommonHttpProtocolOptions(HttpProtocolOptions.newBuilder().setIdleTimeout(ms(1500)))
                        .setExplicitHttpConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                                .ExplicitHttpConfig.newBuilder().setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()))
                        .build())).build();
        // max_requests 1 (Istio's http2MaxRequests): one request in flight in the whole cluster.
        Cluster oneRequest = Mesh.edsCluster(ONE_REQUEST, Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
                .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                        .setMaxRequests(UInt32Value.of(1))))
                .build();
        h.ads.set(TypeUrls.CLUSTER, "c1", List.of(limited, outlier, noRetries, idle, oneRequest));
        h.ads.set(TypeUrls.ENDPOINT, "e1", List.of(Mesh.endpoints(LIMITED, slow.address()),
                Mesh.endpoints(NO_RETRIES, shared.address()), Mesh.endpoints(IDLE, idleUpstream.address()),
                Mesh.endpoints(ONE_REQUEST, shared.address()),
                Mesh.endpoints(OUTLIER, reviews.stream().map(TestUpstream::address).toArray(java.net.InetSocketAddress[]::new))));
        h.ads.set(TypeUrls.LISTENER, "l1", List.of(Mesh.virtualOutbound(), Mesh.outboundHttpPort(9080)));
        RouteConfiguration routes = Mesh.routeConfig(9080, REVIEWS,
                Mesh.prefixRoute("/limited", LIMITED), Mesh.prefixRoute("/idle", IDLE), Mesh.prefixRoute("/one", ONE_REQUEST),
                io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                        .setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder().setPrefix("/retry"))
                        .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster(NO_RETRIES)
                                .setRetryPolicy(io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
                                        .setRetryOn("5xx").setNumRetries(UInt32Value.of(2))))
                        .build(),
                Mesh.prefixRoute("/", OUTLIER));
        h.ads.set(TypeUrls.ROUTE, "r1", List.of(routes));
        h.awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
        slow.close();
        idleUpstream.close();
        shared.close();
        reviews.forEach(TestUpstream::close);
    }

    /** Pilot's translation of connectionPool: thresholds (2^32-1 when unset) and HttpProtocolOptions. */
    static Cluster istioShape(Cluster c, long maxConnections, long maxPending, int maxRequestsPerConnection) {
        HttpProtocolOptions.Builder common = HttpProtocolOptions.newBuilder().setIdleTimeout(Duration.newBuilder().setSeconds(3600));
        if (maxRequestsPerConnection > 0) {
            common.setMaxRequestsPerConnection(UInt32Value.of(maxRequestsPerConnection));
        }
        return c.toBuilder()
                .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                        .setMaxConnections(UInt32Value.of((int) maxConnections))
                        .setMaxPendingRequests(UInt32Value.of((int) maxPending))
                        .setMaxRequests(UInt32Value.of((int) UNLIMITED))
                        .setMaxRetries(UInt32Value.of((int) UNLIMITED))
                        .setTrackRemaining(true)))
                .putTypedExtensionProtocolOptions("envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                        Any.pack(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                                .setCommonHttpProtocolOptions(common)
                                .setExplicitHttpConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                                        .ExplicitHttpConfig.newBuilder().setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()))
                                .build()))
                .build();
    }

    static Duration ms(long millis) {
        return Duration.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000).build();
    }

    long stat(String cluster, String name) {
        return h.proxy.stats().get("cluster." + cluster + "." + name);
    }

    /** {@code clients} concurrent clients (each its own connection to the proxy), 6 requests each. */
    List<HttpResponse<String>> load(int clients) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<List<HttpResponse<String>>>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .proxy(java.net.ProxySelector.of(h.outbound())).build();
                futures.add(pool.submit((Callable<List<HttpResponse<String>>>) () -> {
                    List<HttpResponse<String>> out = new ArrayList<>();
                    for (int i = 0; i < 6; i++) {
                        out.add(client.send(HttpRequest.newBuilder(URI.create("http://" + REVIEWS + ":9080/limited"))
                                .header("x-test-delay-ms", "100").timeout(java.time.Duration.ofSeconds(10)).build(),
                                HttpResponse.BodyHandlers.ofString()));
                    }
                    return out;
                }));
            }
            List<HttpResponse<String>> all = new ArrayList<>();
            for (var f : futures) {
                all.addAll(f.get());
            }
            return all;
        } finally {
            pool.shutdown();
        }
    }

    /** Every refused request is Envoy's overflow reply, logged with UO and counted; the rest reached the upstream. */
    void assertOverflowsAccountedFor(List<HttpResponse<String>> responses, long overflowBefore, long cxBefore,
                                     int upstreamBefore) {
        long ok = responses.stream().filter(r -> r.statusCode() == 200).count();
        List<HttpResponse<String>> refused = responses.stream().filter(r -> r.statusCode() != 200).toList();
        for (HttpResponse<String> r : refused) {
            assertEquals(503, r.statusCode(), r.body());
            assertEquals("true", r.headers().firstValue("x-envoy-overloaded").orElse(null));
            assertTrue(r.body().contains("reset reason: overflow"), r.body());
        }
        assertEquals(refused.size(), stat(LIMITED, "upstream_rq_pending_overflow") - overflowBefore);
        long uo = h.accessLog.stream().filter(e -> e.path().equals("/limited") && e.status() == 503
                && (e.responseFlags() & ResponseFlag.UPSTREAM_OVERFLOW.bit()) != 0).count();
        assertTrue(uo >= refused.size(), "every overflow is logged with UO");
        assertEquals(ok, slow.requests() - upstreamBefore, "only admitted requests reach the upstream");
        // maxRequestsPerConnection 1: every admitted request had a connection of its own.
        assertEquals(ok, stat(LIMITED, "upstream_cx_total") - cxBefore);
    }

    @Test
    void connectionPoolLimitsRefuseAShareOfConcurrentRequests() throws Exception {
        for (int clients : new int[] {2, 3}) {
            long overflowBefore = stat(LIMITED, "upstream_rq_pending_overflow");
            long cxBefore = stat(LIMITED, "upstream_cx_total");
            int upstreamBefore = slow.requests();
            List<HttpResponse<String>> responses = load(clients);
            assertEquals(clients * 6, responses.size());
            assertOverflowsAccountedFor(responses, overflowBefore, cxBefore, upstreamBefore);
            long refused = responses.stream().filter(r -> r.statusCode() == 503).count();
            long ok = responses.size() - refused;
            assertTrue(ok >= 6, clients + " clients: at least one request at a time gets through, got " + ok);
            if (clients == 3) {
                // One connection and one pending slot: with three requests outstanding one must overflow.
                assertTrue(refused > 0, "3 clients: some 503 UO expected");
            }
        }
        String admin = "http://127.0.0.1:" + h.proxy.adminAddress().getPort();
        String stats = plain(admin + "/stats");
        assertTrue(stats.contains("cluster." + LIMITED + ".upstream_rq_pending_overflow: "
                + stat(LIMITED, "upstream_rq_pending_overflow")), stats);
        assertTrue(stats.contains("cluster." + LIMITED + ".upstream_cx_overflow: "), stats);
        assertTrue(stats.contains("cluster." + LIMITED + ".upstream_rq_retry_overflow: 0"), stats);
        String prom = plain("http://127.0.0.1:" + h.proxy.prometheusAddress().getPort() + "/stats/prometheus");
        assertTrue(prom.contains("upstream_rq_pending_overflow"), prom);
        assertTrue(plain(admin + "/clusters").contains(LIMITED + "::default_priority::max_connections::1\n"));
        // After the load the breaker is back at rest.
        FakeAdsServer.await("connections closed", () -> h.proxy.config().clusters().get(LIMITED)
                .circuitBreaker().openConnections() == 0);
        assertEquals(0, h.proxy.config().clusters().get(LIMITED).circuitBreaker().pendingRequests());
        assertEquals(0, h.proxy.config().clusters().get(LIMITED).circuitBreaker().activeRequests());
    }

    @Test
    void aFailingInstanceIsEjectedAndReturnsAfterTheEjectionTime() throws Exception {
        TestUpstream bad = reviews.get(0);
        bad.forcedStatus = 500;
        reviews.forEach(TestUpstream::reset);
        int failures = 0;
        for (int i = 0; i < 30; i++) {
            if (h.get("http://" + REVIEWS + ":9080/").statusCode() == 500) {
                failures++;
            }
        }
        assertEquals(3, failures, "ejected after 3 consecutive 5xx, then never picked");
        assertEquals(3, bad.requests());
        assertEquals(27, reviews.get(1).requests() + reviews.get(2).requests());
        assertEquals(1, stat(OUTLIER, "outlier_detection.ejections_enforced_consecutive_5xx"));
        assertEquals(1, stat(OUTLIER, "outlier_detection.ejections_active"));
        String admin = "http://127.0.0.1:" + h.proxy.adminAddress().getPort();
        String clusters = plain(admin + "/clusters");
        String badHost = OUTLIER + "::127.0.0.1:" + bad.address().getPort() + "::";
        assertTrue(clusters.contains(badHost + "health_flags::/failed_outlier_check\n"), clusters);
        assertTrue(clusters.contains(OUTLIER + "::127.0.0.1:" + reviews.get(1).address().getPort()
                + "::health_flags::healthy\n"), clusters);

        // Healed; once base_ejection_time (30 s on the fake ticker) has passed, the next sweep returns it.
        bad.forcedStatus = 0;
        ticker.addAndGet(29_000_000_000L);
        Thread.sleep(300); // a few real sweeps: still ejected
        assertTrue(plain(admin + "/clusters").contains(badHost + "health_flags::/failed_outlier_check\n"));
        ticker.addAndGet(1_000_000_000L);
        FakeAdsServer.await("host returns", () -> !plain(admin + "/clusters").contains("/failed_outlier_check"));
        for (int i = 0; i < 9; i++) {
            assertEquals(200, h.get("http://" + REVIEWS + ":9080/").statusCode());
        }
        assertTrue(bad.requests() >= 3 + 2, "round robin over three hosts again: " + bad.requests());
        assertEquals(0, stat(OUTLIER, "outlier_detection.ejections_active"));
        assertTrue(plain(admin + "/stats").contains("cluster." + OUTLIER + ".outlier_detection.ejections_enforced_total: 1"));
    }

    @Test
    void aRetryBeyondMaxRetriesOverflowsAndTheUpstreamAnswerGoesDownstream() throws Exception {
        int before = shared.requests();
        HttpResponse<String> r = h.get("http://" + REVIEWS + ":9080/retry", "x-test-status", "503");
        assertEquals(503, r.statusCode());
        assertEquals("reviews-v2", r.body(), "the upstream's own 503, not a local reply");
        assertEquals(1, shared.requests() - before, "no retry was sent");
        assertEquals(1, stat(NO_RETRIES, "upstream_rq_retry_overflow"));
        assertEquals(0, stat(NO_RETRIES, "upstream_rq_retry"));
        FakeAdsServer.await("access log", () -> h.accessLog.stream().anyMatch(e -> e.path().equals("/retry")));
        assertTrue(h.accessLog.stream().filter(e -> e.path().equals("/retry"))
                .allMatch(e -> (e.responseFlags() & ResponseFlag.UPSTREAM_OVERFLOW.bit()) != 0), "flag UO");
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        String url = "http://" + REVIEWS + ":9080/idle";
        long before = stat(IDLE, "upstream_cx_total");
        assertEquals(200, h.get(url).statusCode());
        assertEquals(200, h.get(url).statusCode());
        assertEquals(1, stat(IDLE, "upstream_cx_total") - before, "the second request reuses the pooled connection");
        Thread.sleep(3000); // idle_timeout 1.5 s (long enough for a loaded machine to send the second request within it)
        assertEquals(200, h.get(url).statusCode());
        assertEquals(2, stat(IDLE, "upstream_cx_total") - before, "the idle connection was closed, a new one opened");
    }

    @Test
    void maxRequestsRefusesASecondConcurrentRequest() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            HttpClient other = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .proxy(java.net.ProxySelector.of(h.outbound())).build();
            Future<HttpResponse<String>> first = pool.submit(() -> other.send(HttpRequest.newBuilder(
                    URI.create("http://" + REVIEWS + ":9080/one")).header("x-test-delay-ms", "1500").build(),
                    HttpResponse.BodyHandlers.ofString()));
            FakeAdsServer.await("first request in flight",
                    () -> h.proxy.config().clusters().get(ONE_REQUEST).circuitBreaker().activeRequests() == 1);
            HttpResponse<String> second = h.get("http://" + REVIEWS + ":9080/one");
            assertEquals(503, second.statusCode());
            assertEquals("true", second.headers().firstValue("x-envoy-overloaded").orElse(null));
            assertEquals(1, stat(ONE_REQUEST, "upstream_rq_pending_overflow"));
            assertEquals(200, first.get().statusCode());
            assertEquals(0, h.proxy.config().clusters().get(ONE_REQUEST).circuitBreaker().activeRequests());
            assertEquals(200, h.get("http://" + REVIEWS + ":9080/one").statusCode(), "the slot is free again");
        } finally {
            pool.shutdown();
        }
    }

    static String plain(String url) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
