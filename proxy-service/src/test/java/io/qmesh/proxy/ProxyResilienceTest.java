package io.qmesh.proxy;

import static io.qmesh.proxy.testing.Mesh.REVIEWS;
import static io.qmesh.proxy.testing.Mesh.outbound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.qmesh.proxy.testing.FakeAdsServer;
import io.qmesh.proxy.testing.Mesh;
import io.qmesh.proxy.testing.ProxyHarness;
import io.qmesh.proxy.testing.TestUpstream;
import io.qmesh.proxy.xds.TypeUrls;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retries, timeouts, faults, NACKs, config churn and control-plane outages against real sockets. */
class ProxyResilienceTest {

    static final String V1 = outbound(9080, "v1", REVIEWS);
    static final String V2 = outbound(9080, "v2", REVIEWS);
    static ProxyHarness h;
    static TestUpstream v1;
    static TestUpstream v2;

    @BeforeAll
    static void start() throws Exception {
        v1 = new TestUpstream("reviews-v1");
        v2 = new TestUpstream("reviews-v2");
        h = new ProxyHarness();
        h.ads.set(TypeUrls.CLUSTER, "c1", List.of(Mesh.edsCluster(V1, Cluster.LbPolicy.ROUND_ROBIN),
                Mesh.edsCluster(V2, Cluster.LbPolicy.ROUND_ROBIN)));
        h.ads.set(TypeUrls.ENDPOINT, "e1", List.of(Mesh.endpoints(V1, v1.address()), Mesh.endpoints(V2, v2.address())));
        h.ads.set(TypeUrls.LISTENER, "l1", List.of(Mesh.virtualOutbound(), Mesh.outboundHttpPort(9080, Mesh.faultFilter())));
        h.ads.set(TypeUrls.ROUTE, "r1", List.of(routes(V1)));
        h.awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
        v1.close();
        v2.close();
    }

    @BeforeEach
    void resetCounts() {
        v1.reset();
    }

    static RouteConfiguration routes(String defaultCluster) {
        RetryPolicy retry5xx = RetryPolicy.newBuilder().setRetryOn("5xx").setNumRetries(UInt32Value.of(2))
                .setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(ms(1))).build();
        return Mesh.routeConfig(9080, REVIEWS,
                route("/retry", RouteAction.newBuilder().setCluster(V1).setRetryPolicy(retry5xx)),
                route("/timeout", RouteAction.newBuilder().setCluster(V1).setTimeout(ms(200))),
                route("/pertry", RouteAction.newBuilder().setCluster(V1).setTimeout(ms(0)).setRetryPolicy(
                        retry5xx.toBuilder().setNumRetries(UInt32Value.of(1)).setPerTryTimeout(ms(100)))),
                fault(route("/abort", RouteAction.newBuilder().setCluster(V1)), abort(418, 100)),
                fault(route("/half-abort", RouteAction.newBuilder().setCluster(V1)), abort(503, 50)),
                // Istio: with a fault on the route, the 100 ms timeout and the retries do not apply.
                fault(route("/delay", RouteAction.newBuilder().setCluster(V1).setTimeout(ms(100))
                        .setRetryPolicy(retry5xx)), delay(300)),
                route("/", RouteAction.newBuilder().setCluster(defaultCluster).setTimeout(ms(0))));
    }

    static Duration ms(long millis) {
        return Duration.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000).build();
    }

    static Route route(String prefix, RouteAction.Builder action) {
        return Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix(prefix)).setRoute(action).build();
    }

    static Route fault(Route r, HTTPFault fault) {
        return r.toBuilder().putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(fault)).build();
    }

    static HTTPFault abort(int status, int percent) {
        return HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(status)
                .setPercentage(FractionalPercent.newBuilder().setNumerator(percent))).build();
    }

    static HTTPFault delay(long millis) {
        return HTTPFault.newBuilder().setDelay(FaultDelay.newBuilder().setFixedDelay(ms(millis))
                .setPercentage(FractionalPercent.newBuilder().setNumerator(100))).build();
    }

    @Test
    void retriesAreCountedAtTheUpstreamAndTheLastResponseIsReturned() throws Exception {
        HttpResponse<String> r = h.get("http://reviews:9080/retry", "x-test-status", "503");
        assertEquals(503, r.statusCode());
        assertEquals(3, v1.requests(), "1 try + 2 retries");
        FakeAdsServer.await("URX in the access log", () -> h.accessLog.stream()
                .anyMatch(e -> e.path().equals("/retry") && e.format().contains(" 503 URX ")));
    }

    @Test
    void aRetryRecoversFromOneFailure() throws Exception {
        HttpResponse<String> r = h.get("http://reviews:9080/retry", "x-test-fail-first", "1");
        assertEquals(200, r.statusCode());
        assertEquals(2, v1.requests());
    }

    @Test
    void routeTimeoutAnswers504UT() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = h.get("http://reviews:9080/timeout", "x-test-delay-ms", "5000");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(504, r.statusCode());
        assertEquals("upstream request timeout", r.body());
        // Generous bound: the upstream answers after 5 s; a cold JVM on 2 shared cores is slow.
        assertTrue(millis < 4000, "took " + millis + " ms");
    }

    @Test
    void timeoutHeaderOverridesTheRoute() throws Exception {
        HttpResponse<String> r = h.get("http://reviews:9080/any", "x-test-delay-ms", "1000",
                "x-envoy-upstream-rq-timeout-ms", "100");
        assertEquals(504, r.statusCode());
        assertTrue(v1.lastHeaders.get("x-envoy-upstream-rq-timeout-ms") == null, "internal header is not forwarded");
    }

    @Test
    void perTryTimeoutRetries() throws Exception {
        HttpResponse<String> r = h.get("http://reviews:9080/pertry", "x-test-delay-ms", "400");
        assertEquals(504, r.statusCode());
        FakeAdsServer.await("two attempts", () -> v1.requests() == 2);
        assertTrue(h.proxy.stats().get("cluster." + V1 + ".upstream_rq_per_try_timeout") >= 2);
    }

    @Test
    void abortFaultNeverReachesTheUpstream() throws Exception {
        HttpResponse<String> r = h.get("http://reviews:9080/abort");
        assertEquals(418, r.statusCode());
        assertEquals(0, v1.requests());
        FakeAdsServer.await("FI flag", () -> h.accessLog.stream()
                .anyMatch(e -> e.path().equals("/abort") && e.format().contains(" 418 FI ")));
    }

    @Test
    void abortPercentageIsWithinBinomialBounds() throws Exception {
        int aborted = 0;
        for (int i = 0; i < 400; i++) {
            if (h.get("http://reviews:9080/half-abort").statusCode() == 503) {
                aborted++;
            }
        }
        // p = 0.5, sd = 10; 5 sd either side.
        assertTrue(aborted > 150 && aborted < 250, "aborted " + aborted);
        assertEquals(400 - aborted, v1.requests());
    }

    @Test
    void delayFaultDelaysAndSuppressesTheRouteTimeout() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = h.get("http://reviews:9080/delay");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, r.statusCode(), "the 100 ms route timeout must not apply on a faulted route");
        assertTrue(millis >= 290, "took " + millis + " ms");
        FakeAdsServer.await("DI flag", () -> h.accessLog.stream()
                .anyMatch(e -> e.path().equals("/delay") && e.format().contains(" 200 DI ")));
    }

    @Test
    void invalidRouteConfigIsNackedAndTheOldConfigKeepsServing() throws Exception {
        RouteConfiguration bad = routes(V1).toBuilder().setVirtualHosts(0, routes(V1).getVirtualHosts(0).toBuilder()
                .setRoutes(0, Route.newBuilder().setMatch(RouteMatch.newBuilder()
                        .setSafeRegex(RegexMatcher.newBuilder().setRegex("/(unclosed")))
                        .setRoute(RouteAction.newBuilder().setCluster(V2)))).build();
        int nacksBefore = h.ads.nacks().size();
        h.ads.set(TypeUrls.ROUTE, "bad", List.of(bad));
        FakeAdsServer.await("NACK", () -> h.ads.nacks().size() > nacksBefore);
        var nack = h.ads.nacks().get(h.ads.nacks().size() - 1);
        assertEquals("r1", nack.getVersionInfo(), "a NACK carries the last accepted version");
        assertTrue(nack.getErrorDetail().getMessage().startsWith(
                "route_config[9080].virtual_hosts[0].routes[0].match.safe_regex.regex: \"/(unclosed\""),
                nack.getErrorDetail().getMessage());
        assertEquals("reviews-v1", h.get("http://reviews:9080/x").body());
        h.ads.set(TypeUrls.ROUTE, "r1", List.of(routes(V1)));
    }

    @Test
    void configChangesUnderLoadFailNoRequest() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Thread[] clients = new Thread[2];
        for (int t = 0; t < clients.length; t++) {
            clients[t] = new Thread(() -> {
                while (running.get()) {
                    try {
                        int status = h.get("http://reviews:9080/load").statusCode();
                        (status == 200 ? ok : failed).incrementAndGet();
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
            });
            clients[t].start();
        }
        for (int i = 0; i < 100; i++) {
            h.ads.set(TypeUrls.ROUTE, "churn-" + i, List.of(routes(i % 2 == 0 ? V2 : V1)));
            Thread.sleep(5);
        }
        FakeAdsServer.await("last version ACKed", () -> h.ads.received().stream()
                .anyMatch(r -> r.getVersionInfo().equals("churn-99") && !r.hasErrorDetail()));
        Thread.sleep(100);
        running.set(false);
        for (Thread t : clients) {
            t.join();
        }
        assertEquals(0, failed.get());
        assertTrue(ok.get() > 50, "requests during churn: " + ok.get());
        h.ads.set(TypeUrls.ROUTE, "r1", List.of(routes(V1)));
        FakeAdsServer.await("back to v1", () -> {
            try {
                return h.get("http://reviews:9080/x").body().equals("reviews-v1");
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void controlPlaneOutageFailsNoRequestAndTheProxyReconnects() throws Exception {
        int port = h.ads.port();
        h.ads.stop();
        FakeAdsServer.await("disconnected", () -> !h.proxy.controlPlaneConnected());
        for (int i = 0; i < 50; i++) {
            assertEquals(200, h.get("http://reviews:9080/during-outage").statusCode());
        }
        h.ads.start(port);
        FakeAdsServer.await("reconnected", () -> h.proxy.controlPlaneConnected() && h.ads.connectedStreams() == 1);
        assertEquals(200, h.get("http://reviews:9080/after").statusCode());
        assertTrue(h.proxy.stats().get("control_plane.stream_opened") >= 2);
    }
}
