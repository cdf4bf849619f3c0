package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.istio.IstioConfig;
import io.qmesh.pilot.xds.BookinfoMesh;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Warnings that need other objects (like {@code istioctl analyze}): accepted, but named with their field. */
class RuleAnalyzerTest {
    private final MeshSnapshot registry = BookinfoMesh.snapshot(1, List.of());

    private static List<String> warnings(IstioConfig config, List<IstioConfig> after, MeshSnapshot registry, List<ProxyNode> proxies) {
        return RuleAnalyzer.analyze(config, after, registry, proxies).stream().map(FieldError::toString).toList();
    }

    @Test
    void aGatewayThatSelectsNoConnectedGatewayProxyIsWarnedAbout() {
        IstioConfig gw = BookinfoMesh.rules(List.of("bookinfo-gateway.yaml")).stream()
                .filter(c -> c.key().kind() == io.qmesh.pilot.model.istio.ConfigKind.GATEWAY).findFirst().orElseThrow();

        assertEquals(List.of("spec.selector: matches no connected gateway proxy"),
                warnings(gw, List.of(gw), registry, List.of(BookinfoMesh.PROXIES.get("productpage-v1"))));
        assertEquals(List.of(), warnings(gw, List.of(gw), registry, List.of(BookinfoMesh.PROXIES.get("ingressgateway"))));
    }

    @Test
    void aVirtualServiceBoundToAMissingGatewayOrUnknownHostIsWarnedAbout() {
        List<IstioConfig> both = BookinfoMesh.rules(List.of("bookinfo-gateway.yaml"));
        IstioConfig vs = both.stream()
                .filter(c -> c.key().kind() == io.qmesh.pilot.model.istio.ConfigKind.VIRTUAL_SERVICE).findFirst().orElseThrow();

        assertEquals(List.of("spec.gateways[0]: \"bookinfo-gateway\" names no Gateway in namespace default (the routes for it are unused until it exists)"),
                warnings(vs, List.of(vs), registry, List.of()));
        assertEquals(List.of(), warnings(vs, both, registry, List.of()));
        assertEquals(List.of("spec.http[0].route[0].destination.host: productpage.default.svc.cluster.local is not a known service (yet)"),
                warnings(vs, both, MeshSnapshot.EMPTY, List.of()));
    }

    @Test
    void aRateLimitPolicyForAMissingServicePortOrRouteOrThatLosesIsWarnedAbout() {
        List<IstioConfig> rules = BookinfoMesh.rules(List.of("ratelimit-productpage.yaml"));
        IstioConfig api = rules.stream().filter(c -> c.key().name().equals("productpage-api")).findFirst().orElseThrow();
        IstioConfig whole = rules.stream().filter(c -> c.key().name().equals("productpage")
                && c.key().kind() == io.qmesh.pilot.model.istio.ConfigKind.RATE_LIMIT_POLICY).findFirst().orElseThrow();

        assertEquals(List.of(), warnings(api, rules, registry, List.of()));
        assertEquals(List.of("spec.targetRef.route: \"api\" names no http route of a mesh VirtualService for "
                        + "productpage.default.svc.cluster.local (the policy applies to no request until one exists)"),
                warnings(api, List.of(api, whole), registry, List.of()));
        assertEquals(List.of("spec.targetRef.name: productpage.default.svc.cluster.local is not a known service (yet); "
                + "the policy applies once it is"), warnings(whole, rules, MeshSnapshot.EMPTY, List.of()));

        IstioConfig rival = whole.withMetadata(new io.qmesh.pilot.model.istio.ConfigMeta("a-productpage", "default",
                null, null, null, null));
        assertEquals(List.of("spec.targetRef: conflicts with RateLimitPolicy default/a-productpage, which comes first by "
                        + "name: this policy is not applied"),
                warnings(whole, List.of(whole, rival), registry, List.of()));
    }
}
