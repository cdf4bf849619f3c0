package io.qmesh.pilot.xds;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.custom_response.v3.CustomResponse;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A destination FallbackPolicy on circuit-breaker overflow: the target's weighted cluster redirects Envoy's
 * overflow reply to an internal virtual host whose one route goes to the fallback cluster; without Overflow
 * among the conditions, none of that is sent.
 */
class FallbackOverflowTranslationTest {
    private static final String REVIEWS = "reviews.default.svc.cluster.local";
    private static final String FALLBACK = "fallback~default~reviews-v1|9080|v1|" + REVIEWS;
    private static final String AUTHORITY = "reviews-v1.default.fallback.qmesh.internal:9080";

    private static ProxyResources config(String fallbackPolicy) {
        return ConfigGenerator.generate(BookinfoMesh.snapshot(1, List.of("destination-rule-all.yaml",
                "virtual-service-reviews-50-v3.yaml", fallbackPolicy)), BookinfoMesh.PROXIES.get("productpage-v1"));
    }

    private static List<WeightedCluster.ClusterWeight> reviewsWeights(ProxyResources r) {
        RouteConfiguration rc = (RouteConfiguration) r.resources(TypeUrls.ROUTE).get("9080");
        return rc.getVirtualHostsList().stream().filter(v -> v.getDomainsList().contains("reviews:9080")).findFirst()
                .orElseThrow().getRoutes(0).getRoute().getWeightedClusters().getClustersList();
    }

    private static List<String> outboundHttpFilters(ProxyResources r) throws Exception {
        Listener l = (Listener) r.resources(TypeUrls.LISTENER).get("0.0.0.0_9080");
        return l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class)
                .getHttpFiltersList().stream().map(HttpFilter::getName).toList();
    }

    @Test
    void byDefaultAnOverflowOfTheTargetIsRedirectedToTheFallbacksInternalVirtualHost() throws Exception {
        ProxyResources r = config("fallback-reviews-v1.yaml");

        List<WeightedCluster.ClusterWeight> weights = reviewsWeights(r);
        assertEquals("outbound|9080|v1|" + REVIEWS, weights.get(0).getName());
        assertTrue(weights.get(0).getTypedPerFilterConfigMap().isEmpty(), "v1 is the fallback itself: not a target");
        assertEquals("aggregate~default~reviews-v1|9080|v3|" + REVIEWS, weights.get(1).getName());
        CustomResponse cr = weights.get(1).getTypedPerFilterConfigOrThrow(FallbackRoutes.CUSTOM_RESPONSE).unpack(CustomResponse.class);
        var matcher = cr.getCustomResponseMatcher().getMatcherList().getMatchers(0);
        var and = matcher.getPredicate().getAndMatcher();
        assertEquals(3, and.getPredicateCount(), "503, x-envoy-overloaded: true, and a GET");
        var get = and.getPredicate(2).getSinglePredicate();
        assertEquals(":method", get.getInput().getTypedConfig().unpack(HttpRequestHeaderMatchInput.class).getHeaderName());
        assertEquals("GET", get.getValueMatch().getExact(), "Envoy resends a redirected request as a bodiless GET: only GETs");
        RedirectPolicy redirect = matcher.getOnMatch().getAction().getTypedConfig().unpack(RedirectPolicy.class);
        assertEquals("reviews-v1.default.fallback.qmesh.internal", redirect.getRedirectAction().getHostRedirect());
        assertEquals(9080, redirect.getRedirectAction().getPortRedirect());
        assertFalse(redirect.hasStatusCode(), "the fallback's own status goes downstream");

        // Where the redirected request lands: the fallback cluster that marks its responses, which CDS has.
        assertEquals(Optional.of(FALLBACK), RouteSimulator.route(r, "9080", AUTHORITY, "/reviews/0", Map.of()));
        assertTrue(r.resources(TypeUrls.CLUSTER).containsKey(FALLBACK));
        List<String> filters = outboundHttpFilters(r);
        assertEquals(filters.indexOf("envoy.filters.http.router") - 1, filters.indexOf(FallbackRoutes.CUSTOM_RESPONSE),
                "custom_response right before the router: " + filters);
    }

    @Test
    void aGatewayGetsTheAggregateButNoOverflowRedirectItsClientsCouldNameInHost() throws Exception {
        ProxyResources r = ConfigGenerator.generate(BookinfoMesh.snapshot(1, List.of("destination-rule-all.yaml",
                "bookinfo-gateway.yaml", "fallback-productpage-v1.yaml")), BookinfoMesh.PROXIES.get("ingressgateway"));

        RouteConfiguration rc = (RouteConfiguration) r.resources(TypeUrls.ROUTE).get("http.8080");
        assertEquals(1, rc.getVirtualHostsCount(), "no internal virtual host: " + rc);
        assertEquals("aggregate~default~productpage-v1|9080||productpage.default.svc.cluster.local",
                rc.getVirtualHosts(0).getRoutes(0).getRoute().getCluster());
        assertTrue(rc.getVirtualHosts(0).getRoutesList().stream().allMatch(x -> x.getTypedPerFilterConfigMap().isEmpty()));
        Listener l = (Listener) r.resources(TypeUrls.LISTENER).get("0.0.0.0_8080");
        assertFalse(l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class)
                .getHttpFiltersList().stream().anyMatch(f -> f.getName().equals(FallbackRoutes.CUSTOM_RESPONSE)));

        // productpage's sidecar-side callers (none in bookinfo but the gateway) would get it: e.g. reviews' sidecar.
        ProxyResources sidecar = ConfigGenerator.generate(BookinfoMesh.snapshot(1, List.of("destination-rule-all.yaml",
                "fallback-productpage-v1.yaml")), BookinfoMesh.PROXIES.get("reviews-v1"));
        assertEquals(Optional.of("fallback~default~productpage-v1|9080|v1|productpage.default.svc.cluster.local"),
                RouteSimulator.route(sidecar, "9080", "productpage-v1.default.fallback.qmesh.internal:9080", "/", Map.of()));
    }

    @Test
    void withoutOverflowAmongTheConditionsNothingRedirects() throws Exception {
        ProxyResources r = config("fallback-reviews-v1-no-overflow.yaml");

        assertTrue(reviewsWeights(r).stream().allMatch(w -> w.getTypedPerFilterConfigMap().isEmpty()));
        assertEquals(Optional.empty(), RouteSimulator.route(r, "9080", AUTHORITY, "/reviews/0", Map.of())
                .filter(c -> !c.equals(ClusterNames.PASSTHROUGH)));
        assertFalse(outboundHttpFilters(r).contains(FallbackRoutes.CUSTOM_RESPONSE));
    }
}
