package io.qmesh.pilot.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.qmesh.pilot.model.ProxyNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Simulated requests over generated config: which cluster a request for a host and headers selects. */
class TrafficSimulationTest {
    private static final String REVIEWS = "reviews.default.svc.cluster.local";

    private static ProxyResources config(String proxy, String... rules) {
        return ConfigGenerator.generate(BookinfoMesh.snapshot(1, List.of(rules)), BookinfoMesh.PROXIES.get(proxy));
    }

    @Test
    void jasonGetsReviewsV2AndEveryoneElseV1() {
        ProxyResources r = config("productpage-v1", "destination-rule-all.yaml", "virtual-service-reviews-test-v2.yaml");

        assertEquals(Optional.of("outbound|9080|v2|" + REVIEWS),
                RouteSimulator.route(r, "9080", "reviews:9080", "/reviews/0", Map.of("end-user", "jason")));
        assertEquals(Optional.of("outbound|9080|v1|" + REVIEWS),
                RouteSimulator.route(r, "9080", "reviews.default.svc.cluster.local", "/reviews/0", Map.of("end-user", "kim")));
    }

    @Test
    void trafficShiftingSplitsByWeight() {
        ProxyResources r = config("productpage-v1", "destination-rule-all.yaml", "virtual-service-reviews-50-v3.yaml");

        assertEquals(Optional.of("outbound|9080|v1|" + REVIEWS + "=50,outbound|9080|v3|" + REVIEWS + "=50"),
                RouteSimulator.route(r, "9080", "reviews", "/reviews/0", Map.of()));
    }

    @Test
    void withoutRulesEveryServiceGoesToAllItsEndpoints() {
        ProxyResources r = config("productpage-v1");

        assertEquals(Optional.of("outbound|9080||" + REVIEWS), RouteSimulator.route(r, "9080", "reviews:9080", "/", Map.of()));
        assertEquals(Optional.of(ClusterNames.PASSTHROUGH), RouteSimulator.route(r, "9080", "example.com", "/", Map.of()));
        ClusterLoadAssignment all = (ClusterLoadAssignment) r.resources(TypeUrls.ENDPOINT).get("outbound|9080||" + REVIEWS);
        assertEquals(3, all.getEndpoints(0).getLbEndpointsCount());
    }

    @Test
    void subsetEndpointsAreThoseWithTheSubsetLabels() {
        ProxyResources r = config("productpage-v1", "destination-rule-all.yaml");

        ClusterLoadAssignment v2 = (ClusterLoadAssignment) r.resources(TypeUrls.ENDPOINT).get("outbound|9080|v2|" + REVIEWS);
        assertEquals(1, v2.getEndpoints(0).getLbEndpointsCount());
        assertEquals("10.0.0.32", v2.getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress().getAddress());
        ClusterLoadAssignment mysql = (ClusterLoadAssignment) r.resources(TypeUrls.ENDPOINT)
                .get("outbound|9080|v2-mysql|ratings.default.svc.cluster.local");
        assertEquals(0, mysql.getEndpointsCount(), "no workload carries version=v2-mysql");
    }

    @Test
    void delayFaultForJasonIsAPerRouteFaultFilterConfig() throws Exception {
        ProxyResources r = config("reviews-v2", "destination-rule-all.yaml", "virtual-service-ratings-test-delay.yaml");

        var vh = ((io.envoyproxy.envoy.config.route.v3.RouteConfiguration) r.resources(TypeUrls.ROUTE).get("9080"))
                .getVirtualHostsList().stream().filter(v -> v.getName().startsWith("ratings.")).findFirst().orElseThrow();
        HTTPFault fault = vh.getRoutes(0).getTypedPerFilterConfigOrThrow("envoy.filters.http.fault").unpack(HTTPFault.class);
        assertEquals(7, fault.getDelay().getFixedDelay().getSeconds());
        assertEquals(1_000_000, fault.getDelay().getPercentage().getNumerator());
        assertTrue(vh.getRoutes(1).getTypedPerFilterConfigMap().isEmpty(), "only jason's route is delayed");
        assertTrue(!vh.getRoutes(0).getRoute().hasRetryPolicy(), "no retries on a route with a fault");
    }

    @Test
    void gatewayRoutesOnlyTheBookinfoPaths() {
        ProxyResources r = config("ingressgateway", "bookinfo-gateway.yaml");

        assertEquals(Optional.of("outbound|9080||productpage.default.svc.cluster.local"),
                RouteSimulator.route(r, "http.8080", "bookinfo.example.com", "/productpage", Map.of()));
        assertEquals(Optional.of("outbound|9080||productpage.default.svc.cluster.local"),
                RouteSimulator.route(r, "http.8080", "bookinfo.example.com", "/api/v1/products/0", Map.of()));
        assertEquals(Optional.empty(), RouteSimulator.route(r, "http.8080", "bookinfo.example.com", "/admin", Map.of()));
        assertTrue(r.resources(TypeUrls.LISTENER).containsKey("0.0.0.0_8080"));
        assertTrue(!r.resources(TypeUrls.LISTENER).containsKey(ListenerTranslator.VIRTUAL_INBOUND));
    }

    @Test
    void clustersWithoutLimitsUseIstiosUnlimitedDefaults() {
        ProxyResources r = config("productpage-v1");

        Cluster c = (Cluster) r.resources(TypeUrls.CLUSTER).get("outbound|9080||" + REVIEWS);
        assertEquals(4_294_967_295L, Integer.toUnsignedLong(c.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue()));
        assertEquals(Cluster.LbPolicy.LEAST_REQUEST, c.getLbPolicy());
        assertEquals(10, c.getConnectTimeout().getSeconds());
    }

    @Test
    void aClusterWithoutEndpointsIsRefusedBeforePublishing() {
        Cluster eds = Cluster.newBuilder().setName("outbound|9080||x").setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName("outbound|9080||x")).build();

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ProxyResources.of(1, List.of(eds), List.of(), List.of(), List.of()));

        assertEquals("inconsistent snapshot: cluster outbound|9080||x refers to missing endpoints outbound|9080||x", e.getMessage());
    }

    @Test
    void decodesIstioNodeMetadata() {
        Node node = Node.newBuilder()
                .setId("sidecar~127.0.0.31~reviews-v1-abc.default~default.svc.cluster.local")
                .setMetadata(Struct.newBuilder()
                        .putFields("NAME", Value.newBuilder().setStringValue("reviews-v1-abc").build())
                        .putFields("NAMESPACE", Value.newBuilder().setStringValue("default").build())
                        .putFields("INSTANCE_IPS", Value.newBuilder().setStringValue("127.0.0.31,fd00::1").build())
                        .putFields("LABELS", Value.newBuilder().setStructValue(Struct.newBuilder()
                                .putFields("app", Value.newBuilder().setStringValue("reviews").build())
                                .putFields("version", Value.newBuilder().setStringValue("v1").build())).build())
                        .putFields("POD_PORTS", Value.newBuilder()
                                .setStringValue("[{\"name\":\"http\",\"containerPort\":9080,\"protocol\":\"TCP\"}]").build())
                        .putFields("SERVICE_ACCOUNT", Value.newBuilder().setStringValue("bookinfo-reviews").build())
                        .putFields("INTERCEPTION_MODE", Value.newBuilder().setStringValue("NONE").build())
                        .putFields("APP_ADDRESS", Value.newBuilder().setStringValue("127.0.0.9").build()))
                .build();

        ProxyNode p = ProxyNodes.fromEnvoy(node);

        assertEquals(ProxyNode.Type.SIDECAR, p.type());
        assertEquals("127.0.0.31", p.ip());
        assertEquals("reviews", p.serviceName());
        assertEquals(9080, p.ports().get(0).port());
        assertEquals(ProxyNode.InterceptionMode.NONE, p.interceptionMode());
        assertEquals("127.0.0.9", p.appAddress());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> ProxyNodes.fromEnvoy(Node.newBuilder().setId("envoy-1").build()));
        assertEquals("node.id: \"envoy-1\" (expected: <sidecar|router>~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local)", bad.getMessage());
    }
}
