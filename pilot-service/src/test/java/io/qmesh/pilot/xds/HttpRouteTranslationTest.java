package io.qmesh.pilot.xds;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.qmesh.pilot.model.MeshRules;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.istio.IstioConfig;
import io.qmesh.pilot.rules.ParsedDocument;
import io.qmesh.pilot.rules.RuleCodec;
import io.qmesh.pilot.rules.RuleValidator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VirtualService features beyond the bookinfo goldens, each asserted on the Envoy field it becomes:
 * match kinds, redirect, direct response, rewrite, mirror, header manipulation, retries, and a
 * DestinationRule's consistent hash (RING_HASH cluster + route hash policy).
 */
class HttpRouteTranslationTest {
    private static final String RULES = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              trafficPolicy:
                loadBalancer:
                  consistentHash: {httpHeaderName: x-user}
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
              - {name: v3, labels: {version: v3}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - name: redirect
                match: [{uri: {prefix: /old}}]
                redirect: {uri: /new, redirectCode: 301}
              - name: direct
                match: [{uri: {exact: /health}, method: {exact: GET}}]
                directResponse: {status: 204}
              - name: api
                match:
                - uri: {prefix: /api}
                  headers: {x-user: {regex: "a.*"}}
                  queryParams: {debug: {exact: "1"}}
                  withoutHeaders: {x-skip: {exact: "1"}}
                rewrite: {uri: /}
                route: [{destination: {host: reviews, subset: v2}}]
                mirror: {host: reviews, subset: v3}
                mirrorPercentage: {value: 25}
                headers:
                  request: {set: {x-env: test}, remove: [x-debug]}
                retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,connect-failure"}
              - name: rest
                route: [{destination: {host: reviews, subset: v1}}]
            """;

    private final MeshSnapshot snapshot = snapshot();
    private final ProxyResources resources = ConfigGenerator.generate(snapshot, BookinfoMesh.PROXIES.get("productpage-v1"));

    private static MeshSnapshot snapshot() {
        List<IstioConfig> rules = new ArrayList<>();
        var docs = RuleCodec.documents(RULES);
        for (int i = 0; i < docs.size(); i++) {
            ParsedDocument d = RuleCodec.read(i, docs.get(i), "default");
            assertTrue(d.ok() && RuleValidator.validate(d.config()).ok(), "document " + i + ": " + d.errors());
            rules.add(d.config());
        }
        MeshSnapshot base = BookinfoMesh.snapshot(1, List.of());
        return new MeshSnapshot(1, base.services(), base.workloads(), MeshRules.of(rules));
    }

    private List<Route> routes() {
        RouteConfiguration rc = (RouteConfiguration) resources.resources(TypeUrls.ROUTE).get("9080");
        VirtualHost vh = rc.getVirtualHostsList().stream()
                .filter(v -> v.getName().equals("reviews.default.svc.cluster.local:9080")).findFirst().orElseThrow();
        return vh.getRoutesList();
    }

    private Route route(String name) {
        return routes().stream().filter(r -> r.getName().equals(name)).findFirst().orElseThrow();
    }

    private static HeaderMatcher header(Route r, String name) {
        return r.getMatch().getHeadersList().stream().filter(h -> h.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void routesKeepTheirOrderForFirstMatch() {
        assertEquals(List.of("redirect", "direct", "api", "rest"), routes().stream().map(Route::getName).toList());
    }

    @Test
    void redirectAndDirectResponse() {
        Route redirect = route("redirect");
        assertEquals("/old", redirect.getMatch().getPrefix());
        assertEquals("/new", redirect.getRedirect().getPathRedirect());
        assertEquals(io.envoyproxy.envoy.config.route.v3.RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY,
                redirect.getRedirect().getResponseCode());

        Route direct = route("direct");
        assertEquals("/health", direct.getMatch().getPath());
        assertEquals("GET", header(direct, ":method").getStringMatch().getExact());
        assertEquals(204, direct.getDirectResponse().getStatus());
    }

    @Test
    void matchKindsRewriteMirrorHeadersAndRetries() {
        Route api = route("api");
        assertEquals("/api", api.getMatch().getPrefix());
        assertEquals("a.*", header(api, "x-user").getStringMatch().getSafeRegex().getRegex());
        assertTrue(header(api, "x-skip").getInvertMatch(), "withoutHeaders inverts the match");
        assertEquals("1", api.getMatch().getQueryParameters(0).getStringMatch().getExact());

        var action = api.getRoute();
        assertEquals("outbound|9080|v2|reviews.default.svc.cluster.local", action.getCluster());
        assertEquals("/", action.getPrefixRewrite());
        assertEquals("outbound|9080|v3|reviews.default.svc.cluster.local", action.getRequestMirrorPolicies(0).getCluster());
        var fraction = action.getRequestMirrorPolicies(0).getRuntimeFraction().getDefaultValue();
        assertEquals(25.0, 100.0 * fraction.getNumerator() / switch (fraction.getDenominator()) {
            case HUNDRED -> 100;
            case TEN_THOUSAND -> 10_000;
            default -> 1_000_000;
        }, 1e-9);
        assertEquals(3, action.getRetryPolicy().getNumRetries().getValue());
        assertEquals("5xx,connect-failure", action.getRetryPolicy().getRetryOn());
        assertEquals(2, action.getRetryPolicy().getPerTryTimeout().getSeconds());
        assertEquals("x-user", action.getHashPolicy(0).getHeader().getHeaderName());

        assertEquals("x-env", api.getRequestHeadersToAdd(0).getHeader().getKey());
        assertEquals("test", api.getRequestHeadersToAdd(0).getHeader().getValue());
        assertEquals(List.of("x-debug"), api.getRequestHeadersToRemoveList());
    }

    @Test
    void consistentHashMakesARingHashCluster() {
        Cluster v2 = (Cluster) resources.resources(TypeUrls.CLUSTER).get("outbound|9080|v2|reviews.default.svc.cluster.local");
        assertEquals(Cluster.LbPolicy.RING_HASH, v2.getLbPolicy());
    }
}
