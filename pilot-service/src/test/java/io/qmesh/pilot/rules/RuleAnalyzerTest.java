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
}
