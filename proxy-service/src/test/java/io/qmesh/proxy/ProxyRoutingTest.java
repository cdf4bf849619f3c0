package io.qmesh.proxy;

import static io.qmesh.proxy.testing.Mesh.REVIEWS;
import static io.qmesh.proxy.testing.Mesh.outbound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.qmesh.proxy.testing.FakeAdsServer;
import io.qmesh.proxy.testing.Mesh;
import io.qmesh.proxy.testing.ProxyHarness;
import io.qmesh.proxy.testing.TestUpstream;
import io.qmesh.proxy.xds.TypeUrls;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Loopback integration: in-test ADS server, the real proxy, real upstreams, Istio-shaped config. */
class ProxyRoutingTest {

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
        h.ads.set(TypeUrls.LISTENER, "l1", List.of(Mesh.virtualOutbound(), Mesh.outboundHttpPort(9080)));
        h.ads.set(TypeUrls.ROUTE, "r1", List.of(routes("r1")));
        h.awaitReady();
    }

    static io.envoyproxy.envoy.config.route.v3.RouteConfiguration routes(String tag) {
        Route jason = Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPrefix("/")
                        .addHeaders(HeaderMatcher.newBuilder().setName("end-user")
                                .setStringMatch(StringMatcher.newBuilder().setExact("jason"))))
                .setRoute(RouteAction.newBuilder().setCluster(V2).setTimeout(Duration.getDefaultInstance()))
                .build();
        Route split = Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPrefix("/split"))
                .setRoute(RouteAction.newBuilder().setWeightedClusters(WeightedCluster.newBuilder()
                        .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(V1).setWeight(UInt32Value.of(80)))
                        .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(V2).setWeight(UInt32Value.of(20)))))
                .build();
        Route mirror = Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPrefix("/mirror"))
                .setRoute(RouteAction.newBuilder().setCluster(V1).addRequestMirrorPolicies(
                        RouteAction.RequestMirrorPolicy.newBuilder().setCluster(V2)))
                .build();
        return Mesh.routeConfig(9080, REVIEWS, jason, split, mirror, Mesh.prefixRoute("/", V1));
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
        v1.close();
        v2.close();
    }

    @Test
    void explicitProxyRequestReachesTheRoutedUpstream() throws Exception {
        HttpResponse<String> r = h.get("http://reviews.default.svc.cluster.local:9080/reviews/1?x=1");
        assertEquals(200, r.statusCode());
        assertEquals("reviews-v1", r.body());
        assertEquals("/reviews/1?x=1", v1.lastPath);
        assertEquals("reviews.default.svc.cluster.local:9080", v1.lastHeaders.get("host"));
        assertTrue(r.headers().firstValue("x-envoy-upstream-service-time").isPresent());
    }

    @Test
    void shortNameAndHeaderMatchSelectSubset() throws Exception {
        assertEquals("reviews-v2", h.get("http://reviews:9080/", "end-user", "jason").body());
        assertEquals("reviews-v1", h.get("http://reviews:9080/", "end-user", "mike").body());
    }

    @Test
    void mirroredRequestsReachTheShadowClusterWithAShadowHost() throws Exception {
        int before = v2.requests();
        HttpResponse<String> r = h.get("http://reviews:9080/mirror/1");
        assertEquals("reviews-v1", r.body(), "the real response comes from the primary cluster");
        FakeAdsServer.await("shadow request", () -> v2.requests() == before + 1);
        assertEquals("reviews-shadow:9080", v2.lastHeaders.get("host"));
        assertEquals("/mirror/1", v2.lastPath);
    }

    @Test
    void unknownHostGets404WithFlagNR() throws Exception {
        HttpResponse<String> r = h.get("http://ratings:9080/");
        assertEquals(404, r.statusCode());
        FakeAdsServer.await("access log", () -> h.accessLog.stream().anyMatch(e -> e.authority() != null
                && e.authority().equals("ratings:9080") && e.format().contains(" 404 NR ")));
    }

    @Test
    void adminHealthAndPrometheusEndpoints() throws Exception {
        assertEquals(200, h.get("http://reviews:9080/metrics-probe").statusCode());
        String admin = "http://127.0.0.1:" + h.proxy.adminAddress().getPort();
        assertEquals("LIVE\n", plain(admin + "/ready").body());
        String dump = plain(admin + "/config_dump").body();
        assertTrue(dump.contains("\"name\": \"" + V1 + "\"") && dump.contains("\"version_info\": \"r1\""), dump);
        String clusters = plain(admin + "/clusters").body();
        assertTrue(clusters.contains(V1 + "::" + v1.address().getAddress().getHostAddress() + ":"
                + v1.address().getPort() + "::health_flags::healthy"), clusters);
        assertTrue(plain(admin + "/stats").body().contains("cluster." + V1 + ".upstream_rq_200: "));
        assertTrue(plain(admin + "/server_info").body().contains("sidecar~127.0.0.1~productpage-v1-abc.default"));
        assertEquals(200, plain("http://127.0.0.1:" + h.proxy.healthAddress().getPort() + "/healthz/ready").statusCode());
        String prom = plain("http://127.0.0.1:" + h.proxy.prometheusAddress().getPort() + "/stats/prometheus").body();
        assertTrue(prom.contains("istio_requests_total{reporter=\"source\",source_workload=\"productpage-v1\","
                + "source_workload_namespace=\"default\",source_app=\"productpage\",source_version=\"v1\","
                + "destination_workload=\"reviews-v1\",destination_workload_namespace=\"default\","
                + "destination_service=\"reviews.default.svc.cluster.local\",destination_service_name=\"reviews\","
                + "destination_app=\"reviews\",destination_version=\"v1\",request_protocol=\"http\","
                + "response_code=\"200\",response_flags=\"-\""), prom);
        assertTrue(prom.contains("istio_request_duration_milliseconds_bucket{"), prom);
        assertTrue(prom.contains("envoy_cluster_upstream_rq_total{cluster_name=\"" + V1 + "\"}"), prom);
    }

    static HttpResponse<String> plain(String url) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void smugglingAttemptsGet400AndNeverReachTheUpstream() throws Exception {
        int before = v1.requests();
        String[] attacks = {
            "POST http://reviews:9080/ HTTP/1.1\r\nHost: reviews:9080\r\nContent-Length: 6\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
            "POST http://reviews:9080/ HTTP/1.1\r\nHost: reviews:9080\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "POST http://reviews:9080/ HTTP/1.1\r\nHost: reviews:9080\r\nTransfer-Encoding: chunked\r\n\r\nx\r\n",
        };
        for (String attack : attacks) {
            try (java.net.Socket s = new java.net.Socket(h.outbound().getAddress(), h.outbound().getPort())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(attack.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String reply = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                assertTrue(reply.startsWith("HTTP/1.1 400 "), attack + " -> " + reply);
            }
        }
        assertEquals(before, v1.requests());
    }

    @Test
    void weightedSplitIsWithinBinomialBounds() throws Exception {
        int n = 1000;
        int toV2 = 0;
        for (int i = 0; i < n; i++) {
            if (h.get("http://reviews:9080/split").body().equals("reviews-v2")) {
                toV2++;
            }
        }
        // p = 0.2, sd = sqrt(1000 * 0.2 * 0.8) = 12.6; 5 sd either side of 200.
        assertTrue(toV2 > 137 && toV2 < 263, "requests to v2: " + toV2);
    }
}
