package io.qmesh.proxy;

import static io.qmesh.proxy.testing.Mesh.REVIEWS;
import static io.qmesh.proxy.testing.Mesh.outbound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.qmesh.proxy.testing.Mesh;
import io.qmesh.proxy.testing.ProxyHarness;
import io.qmesh.proxy.testing.TestUpstream;
import io.qmesh.proxy.xds.TypeUrls;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Rewrites, header manipulation, redirects, direct responses and hash-based balancing on loopback. */
class RouteActionsTest {

    static final String V1 = outbound(9080, "v1", REVIEWS);
    static final String HASHED = outbound(9080, "hashed", REVIEWS);
    static final String LEAST = outbound(9080, "least", REVIEWS);
    static ProxyHarness h;
    static TestUpstream v1;
    static TestUpstream[] pool = new TestUpstream[3];

    @BeforeAll
    static void start() throws Exception {
        v1 = new TestUpstream("reviews-v1");
        InetSocketAddress[] addresses = new InetSocketAddress[pool.length];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = new TestUpstream("pool-" + i);
            addresses[i] = pool[i].address();
        }
        h = new ProxyHarness();
        h.ads.set(TypeUrls.CLUSTER, "c1", List.of(Mesh.edsCluster(V1, Cluster.LbPolicy.ROUND_ROBIN),
                Mesh.edsCluster(HASHED, Cluster.LbPolicy.RING_HASH), Mesh.edsCluster(LEAST, Cluster.LbPolicy.LEAST_REQUEST)));
        h.ads.set(TypeUrls.ENDPOINT, "e1", List.of(Mesh.endpoints(V1, v1.address()),
                Mesh.endpoints(HASHED, addresses), Mesh.endpoints(LEAST, addresses)));
        h.ads.set(TypeUrls.LISTENER, "l1", List.of(Mesh.virtualOutbound(), Mesh.outboundHttpPort(9080)));
        h.ads.set(TypeUrls.ROUTE, "r1", List.of(Mesh.routeConfig(9080, REVIEWS,
                Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/old/"))
                        .setRoute(RouteAction.newBuilder().setCluster(V1).setPrefixRewrite("/new/")
                                .setHostRewriteLiteral("reviews.internal"))
                        .addRequestHeadersToAdd(set("x-added", "1"))
                        .addRequestHeadersToRemove("x-secret")
                        .addResponseHeadersToAdd(set("x-served-by", "qmesh"))
                        .addResponseHeadersToRemove("x-upstream").build(),
                Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/re/"))
                        .setRoute(RouteAction.newBuilder().setCluster(V1).setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
                                .setPattern(RegexMatcher.newBuilder().setRegex("^/re/([a-z]+)/([0-9]+)$"))
                                .setSubstitution("/\\2/\\1"))).build(),
                Route.newBuilder().setMatch(RouteMatch.newBuilder().setPath("/moved"))
                        .setRedirect(RedirectAction.newBuilder().setHostRedirect("new.example.com")
                                .setPathRedirect("/here").setResponseCode(RedirectAction.RedirectResponseCode.FOUND)).build(),
                Route.newBuilder().setMatch(RouteMatch.newBuilder().setPath("/teapot"))
                        .setDirectResponse(DirectResponseAction.newBuilder().setStatus(418)
                                .setBody(DataSource.newBuilder().setInlineString("short and stout"))).build(),
                Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/hashed"))
                        .setRoute(RouteAction.newBuilder().setCluster(HASHED).addHashPolicy(RouteAction.HashPolicy.newBuilder()
                                .setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName("x-user")))).build(),
                Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/cookie"))
                        .setRoute(RouteAction.newBuilder().setCluster(HASHED).addHashPolicy(RouteAction.HashPolicy.newBuilder()
                                .setCookie(RouteAction.HashPolicy.Cookie.newBuilder().setName("session")))).build(),
                Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/least"))
                        .setRoute(RouteAction.newBuilder().setCluster(LEAST)).build(),
                Mesh.prefixRoute("/", V1))));
        h.awaitReady();
    }

    static HeaderValueOption set(String name, String value) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                .setAppend(BoolValue.of(false)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
        v1.close();
        for (TestUpstream u : pool) {
            u.close();
        }
    }

    @Test
    void prefixAndHostRewriteWithHeaderManipulation() throws Exception {
        HttpResponse<String> r = h.get("http://reviews:9080/old/path?q=1", "x-secret", "s3cret");
        assertEquals(200, r.statusCode());
        assertEquals("/new/path?q=1", v1.lastPath);
        assertEquals("reviews.internal", v1.lastHeaders.get("host"));
        assertEquals("1", v1.lastHeaders.get("x-added"));
        assertNull(v1.lastHeaders.get("x-secret"));
        assertEquals("qmesh", r.headers().firstValue("x-served-by").orElse(null));
        assertTrue(r.headers().firstValue("x-upstream").isEmpty());
        assertTrue(v1.lastHeaders.containsKey("x-request-id"), "a request id is generated");
    }

    @Test
    void regexRewriteUsesRe2Substitutions() throws Exception {
        assertEquals(200, h.get("http://reviews:9080/re/books/42").statusCode());
        assertEquals("/42/books", v1.lastPath);
    }

    @Test
    void redirect() throws Exception {
        HttpResponse<String> r = h.get("http://reviews:9080/moved?a=b");
        assertEquals(302, r.statusCode());
        assertEquals("http://new.example.com/here?a=b", r.headers().firstValue("location").orElse(null));
    }

    @Test
    void directResponse() throws Exception {
        HttpResponse<String> r = h.get("http://reviews:9080/teapot");
        assertEquals(418, r.statusCode());
        assertEquals("short and stout", r.body());
    }

    @Test
    void ringHashOnAHeaderIsStickyAndSpreadsUsers() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int user = 0; user < 30; user++) {
            String first = h.get("http://reviews:9080/hashed", "x-user", "user-" + user).body();
            for (int i = 0; i < 3; i++) {
                assertEquals(first, h.get("http://reviews:9080/hashed", "x-user", "user-" + user).body());
            }
            seen.add(first);
        }
        assertEquals(3, seen.size(), "30 users spread over all 3 endpoints");
        String viaCookie = h.get("http://reviews:9080/cookie", "cookie", "a=b; session=abc").body();
        for (int i = 0; i < 5; i++) {
            assertEquals(viaCookie, h.get("http://reviews:9080/cookie", "cookie", "session=abc").body());
        }
    }

    @Test
    void leastRequestSpreadsSequentialLoadOverAllEndpoints() throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            counts.merge(h.get("http://reviews:9080/least").body(), 1, Integer::sum);
        }
        // All idle: P2C degenerates to uniform random; 5 sd bounds around 100.
        assertEquals(3, counts.size());
        counts.values().forEach(c -> assertTrue(c > 59 && c < 141, counts.toString()));
    }
}
