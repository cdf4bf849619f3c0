package io.qmesh.pilot.xds;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.qmesh.pilot.model.MeshRules;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.istio.IstioConfig;
import io.qmesh.pilot.rules.RuleCodec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The push cache shares work between proxies and snapshots, but must hand out exactly what the translators would. */
class ConfigCacheTest {
    private static final List<List<String>> RULE_SEQUENCE = List.of(
            List.of(),
            List.of("destination-rule-all.yaml", "virtual-service-all-v1.yaml"),
            // A rate limit changes productpage's inbound listener, which the cache otherwise keeps across pushes.
            List.of("destination-rule-all.yaml", "ratelimit-productpage.yaml"),
            List.of("destination-rule-all.yaml", "virtual-service-reviews-test-v2.yaml"),
            List.of("destination-rule-all.yaml", "virtual-service-reviews-50-v3.yaml", "bookinfo-gateway.yaml"),
            List.of("destination-rule-reviews-circuit-breaker.yaml", "bookinfo-gateway.yaml"));

    @Test
    void everyProxySeesWhatTheTranslatorsProduceAcrossSnapshots() {
        ConfigCache cache = new ConfigCache();
        long version = 1;
        for (List<String> files : RULE_SEQUENCE) {
            MeshSnapshot snapshot = BookinfoMesh.snapshot(version++, files);
            for (ProxyNode proxy : BookinfoMesh.PROXIES.values()) {
                assertSameConfig(ConfigGenerator.generate(snapshot, proxy), cache.generate(snapshot, proxy), files + " " + proxy.podName());
            }
        }
    }

    @Test
    void unchangedResourcesKeepTheirInstanceAndChangedOnesAreNew() {
        ConfigCache cache = new ConfigCache();
        ProxyNode productpage = BookinfoMesh.PROXIES.get("productpage-v1");
        ProxyResources before = cache.generate(BookinfoMesh.snapshot(1,
                List.of("destination-rule-all.yaml", "virtual-service-all-v1.yaml")), productpage);
        ProxyResources after = cache.generate(BookinfoMesh.snapshot(2,
                List.of("destination-rule-all.yaml", "virtual-service-reviews-test-v2.yaml")), productpage);

        String cluster = "outbound|9080|v1|reviews.default.svc.cluster.local";
        assertSame(before.resources(TypeUrls.CLUSTER).get(cluster), after.resources(TypeUrls.CLUSTER).get(cluster));
        assertSame(before.resources(TypeUrls.ENDPOINT).get(cluster), after.resources(TypeUrls.ENDPOINT).get(cluster));
        assertSame(before.resources(TypeUrls.LISTENER).get("0.0.0.0_9080"), after.resources(TypeUrls.LISTENER).get("0.0.0.0_9080"));
        assertSame(before.resources(TypeUrls.LISTENER).get("virtualInbound"), after.resources(TypeUrls.LISTENER).get("virtualInbound"),
                "what depends on the proxy alone is kept across pushes");
        assertSame(before.resources(TypeUrls.CLUSTER).get("inbound|9080||"), after.resources(TypeUrls.CLUSTER).get("inbound|9080||"));
        assertNotEquals(before.resources(TypeUrls.ROUTE).get("9080"), after.resources(TypeUrls.ROUTE).get("9080"));
        assertEquals(2, after.snapshotVersion());
    }

    @Test
    void proxiesOfOneWorkloadShareResourcesButNotTheirInboundClusters() {
        ConfigCache cache = new ConfigCache();
        MeshSnapshot snapshot = BookinfoMesh.snapshot(1, List.of("destination-rule-all.yaml", "virtual-service-all-v1.yaml"));
        ProxyResources a = cache.generate(snapshot, BookinfoMesh.sidecar("reviews", "v1", "10.0.0.31"));
        ProxyResources b = cache.generate(snapshot, BookinfoMesh.sidecar("reviews", "v1", "10.0.0.99"));

        assertSame(a.resources(TypeUrls.ROUTE).get("9080"), b.resources(TypeUrls.ROUTE).get("9080"));
        assertSame(a.resources(TypeUrls.CLUSTER).get("outbound|9080||ratings.default.svc.cluster.local"),
                b.resources(TypeUrls.CLUSTER).get("outbound|9080||ratings.default.svc.cluster.local"));
        assertNotEquals(a.resources(TypeUrls.CLUSTER).get("inbound|9080||"), b.resources(TypeUrls.CLUSTER).get("inbound|9080||"));
        assertSame(a.resources(TypeUrls.ROUTE).get("9080"),
                cache.generate(snapshot, BookinfoMesh.PROXIES.get("productpage-v1")).resources(TypeUrls.ROUTE).get("9080"),
                "no rule routes by source labels, so sidecars of different apps share one route translation");
    }

    @Test
    void routesThatDependOnSourceLabelsAreNotSharedAcrossLabelSets() {
        String vs = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings}
                spec:
                  hosts: [ratings]
                  http:
                  - match: [{sourceLabels: {app: reviews, version: v2}}]
                    route: [{destination: {host: ratings, subset: v2}}]
                  - route: [{destination: {host: ratings, subset: v1}}]
                """;
        List<IstioConfig> rules = new ArrayList<>(BookinfoMesh.rules(List.of("destination-rule-all.yaml")));
        rules.add(RuleCodec.read(0, RuleCodec.documents(vs).get(0), "default").config());
        MeshSnapshot base = BookinfoMesh.snapshot(7, List.of());
        MeshSnapshot snapshot = new MeshSnapshot(7, base.services(), base.workloads(), MeshRules.of(rules));
        ConfigCache cache = new ConfigCache();

        RouteConfiguration v1 = route(cache.generate(snapshot, BookinfoMesh.PROXIES.get("reviews-v1")));
        RouteConfiguration v2 = route(cache.generate(snapshot, BookinfoMesh.PROXIES.get("reviews-v2")));

        assertNotSame(v1, v2);
        assertEquals(route(ConfigGenerator.generate(snapshot, BookinfoMesh.PROXIES.get("reviews-v1"))), v1);
        assertEquals(route(ConfigGenerator.generate(snapshot, BookinfoMesh.PROXIES.get("reviews-v2"))), v2);
        assertNotEquals(v1, v2, "only reviews-v2 matches the sourceLabels route");
    }

    @Test
    void anOlderSnapshotIsServedCorrectlyWithoutEvictingTheNewer() {
        ConfigCache cache = new ConfigCache();
        ProxyNode proxy = BookinfoMesh.PROXIES.get("productpage-v1");
        MeshSnapshot older = BookinfoMesh.snapshot(1, List.of("destination-rule-all.yaml", "virtual-service-all-v1.yaml"));
        MeshSnapshot newer = BookinfoMesh.snapshot(2, List.of("destination-rule-all.yaml", "virtual-service-reviews-test-v2.yaml"));
        ProxyResources current = cache.generate(newer, proxy);

        assertSameConfig(ConfigGenerator.generate(older, proxy), cache.generate(older, proxy), "older");
        ProxyResources again = cache.generate(newer, proxy);
        assertSame(current.resources(TypeUrls.ROUTE).get("9080"), again.resources(TypeUrls.ROUTE).get("9080"));
        assertEquals(1, cache.regenerateEndpoints(current, older).snapshotVersion());
    }

    private static RouteConfiguration route(ProxyResources r) {
        return (RouteConfiguration) r.resources(TypeUrls.ROUTE).get("9080");
    }

    static void assertSameConfig(ProxyResources expected, ProxyResources actual, String what) {
        assertEquals(expected.snapshotVersion(), actual.snapshotVersion(), what);
        for (String type : TypeUrls.PUSH_ORDER) {
            assertEquals(expected.resources(type), actual.resources(type), what + " " + type);
        }
    }
}
