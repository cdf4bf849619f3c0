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
        return Mesh.routeConfig(9080, REVIEWS, jason, split, Mesh.prefixRoute("/", V1));
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
    void unknownHostGets404WithFlagNR() throws Exception {
        HttpResponse<String> r = h.get("http://ratings:9080/");
        assertEquals(404, r.statusCode());
        FakeAdsServer.await("access log", () -> h.accessLog.stream().anyMatch(e -> e.authority() != null
                && e.authority().equals("ratings:9080") && e.format().contains(" 404 NR ")));
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
