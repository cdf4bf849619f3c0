package io.qmesh.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.qmesh.proxy.testing.FakeAdsServer;
import io.qmesh.proxy.testing.Mesh;
import io.qmesh.proxy.testing.ProxyHarness;
import io.qmesh.proxy.xds.TypeUrls;
import java.util.List;
import org.junit.jupiter.api.Test;

/** /healthz/ready turns 200 only once the first full config (CDS, EDS, LDS, RDS) is applied. */
class ReadinessTest {

    @Test
    void readyOnlyAfterTheFirstCompleteConfig() throws Exception {
        try (ProxyHarness h = new ProxyHarness()) {
            String health = "http://127.0.0.1:" + h.proxy.healthAddress().getPort() + "/healthz/ready";
            assertEquals(503, ProxyRoutingTest.plain(health).statusCode());
            String v1 = Mesh.outbound(9080, "v1", Mesh.REVIEWS);
            h.ads.set(TypeUrls.CLUSTER, "c1", List.of(Mesh.edsCluster(v1, Cluster.LbPolicy.ROUND_ROBIN)));
            h.ads.set(TypeUrls.LISTENER, "l1", List.of(Mesh.virtualOutbound(), Mesh.outboundHttpPort(9080)));
            FakeAdsServer.await("LDS applied", () -> h.outbound() != null);
            assertEquals(503, ProxyRoutingTest.plain(health).statusCode(), "EDS and RDS still missing");
            h.ads.set(TypeUrls.ENDPOINT, "e1", List.of(Mesh.endpoints(v1, new java.net.InetSocketAddress("127.0.0.1", 1))));
            h.ads.set(TypeUrls.ROUTE, "r1", List.of(Mesh.routeConfig(9080, Mesh.REVIEWS, Mesh.prefixRoute("/", v1))));
            h.awaitReady();
            assertEquals(200, ProxyRoutingTest.plain(health).statusCode());
            // The endpoint refuses connections: 503 with UF, as Envoy answers.
            var r = h.get("http://reviews:9080/");
            assertEquals(503, r.statusCode());
            assertEquals("upstream connect error or disconnect/reset before headers. reset reason: connection failure",
                    r.body());
        }
    }
}
