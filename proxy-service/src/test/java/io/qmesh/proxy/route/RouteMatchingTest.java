package io.qmesh.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.filter.HttpFilterRegistry;
import io.qmesh.proxy.xds.RouteTranslator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Table-driven: a RouteConfiguration proto (as a control plane sends it) is translated, then each
 * request must select the expected cluster ("-" = no route, Envoy's NR). Covers every match type.
 */
class RouteMatchingTest {

    static final RouteTable TABLE = translate(config());

    static RouteConfiguration config() {
        var api = io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName("api")
                .addDomains("api.example.com").addDomains("api.example.com:8080")
                .addRoutes(route("exact", RouteMatch.newBuilder().setPath("/exact")))
                .addRoutes(route("exact-ci", RouteMatch.newBuilder().setPath("/CI").setCaseSensitive(BoolValue.of(false))))
                .addRoutes(route("regex", RouteMatch.newBuilder()
                        .setSafeRegex(RegexMatcher.newBuilder().setRegex("/items/[0-9]+"))))
                .addRoutes(route("sep-prefix", RouteMatch.newBuilder().setPathSeparatedPrefix("/sep")))
                .addRoutes(route("hdr-exact", prefix("/h").addHeaders(header("x-user").setStringMatch(exact("jason")))))
                .addRoutes(route("hdr-prefix", prefix("/h").addHeaders(header("x-user")
                        .setStringMatch(StringMatcher.newBuilder().setPrefix("ad")))))
                .addRoutes(route("hdr-suffix", prefix("/h").addHeaders(header("x-user")
                        .setStringMatch(StringMatcher.newBuilder().setSuffix("@corp")))))
                .addRoutes(route("hdr-regex", prefix("/h").addHeaders(header("x-user")
                        .setStringMatch(StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("u[0-9]{3}"))))))
                .addRoutes(route("hdr-ignore-case", prefix("/h").addHeaders(header("x-user")
                        .setStringMatch(exact("MIKE").toBuilder().setIgnoreCase(true)))))
                .addRoutes(route("hdr-present", prefix("/h").addHeaders(header("x-canary").setPresentMatch(true))))
                .addRoutes(route("hdr-absent", prefix("/h").addHeaders(header("x-debug").setPresentMatch(false))))
                .addRoutes(route("method", prefix("/m").addHeaders(header(":method").setStringMatch(exact("POST")))))
                .addRoutes(route("query", prefix("/q").addQueryParameters(QueryParameterMatcher.newBuilder()
                        .setName("v").setStringMatch(exact("2")))))
                .addRoutes(route("query-present", prefix("/q").addQueryParameters(QueryParameterMatcher.newBuilder()
                        .setName("debug").setPresentMatch(true))))
                .addRoutes(route("without-header", prefix("/w").addHeaders(header("x-env")
                        .setStringMatch(exact("prod")).setInvertMatch(true))))
                .addRoutes(route("prefix-ci", prefix("/UPPER").setCaseSensitive(BoolValue.of(false))))
                .addRoutes(route("prefix", prefix("/p")));
        return RouteConfiguration.newBuilder().setName("8080")
                .addVirtualHosts(api)
                .addVirtualHosts(vh("suffix-long", "*.svc.example.com"))
                .addVirtualHosts(vh("suffix", "*.example.com"))
                .addVirtualHosts(vh("prefix-wild", "reviews.*"))
                .addVirtualHosts(vh("catch-all", "*"))
                .build();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // authority, method, path, headers, expected cluster
                Arguments.of("api.example.com", "GET", "/exact", Map.of(), "exact"),
                Arguments.of("api.example.com", "GET", "/exact?x=1", Map.of(), "exact"),
                Arguments.of("api.example.com", "GET", "/exact/more", Map.of(), "-"),
                Arguments.of("api.example.com", "GET", "/EXACT", Map.of(), "-"),
                Arguments.of("api.example.com", "GET", "/ci", Map.of(), "exact-ci"),
                Arguments.of("API.EXAMPLE.COM:8080", "GET", "/exact", Map.of(), "exact"),
                Arguments.of("api.example.com:9999", "GET", "/exact", Map.of(), "exact"),
                Arguments.of("api.example.com", "GET", "/items/42", Map.of(), "regex"),
                Arguments.of("api.example.com", "GET", "/items/42?q=1", Map.of(), "regex"),
                Arguments.of("api.example.com", "GET", "/items/42/x", Map.of(), "-"),
                Arguments.of("api.example.com", "GET", "/sep", Map.of(), "sep-prefix"),
                Arguments.of("api.example.com", "GET", "/sep/x", Map.of(), "sep-prefix"),
                Arguments.of("api.example.com", "GET", "/separate", Map.of(), "-"),
                Arguments.of("api.example.com", "GET", "/h", Map.of("x-user", "jason"), "hdr-exact"),
                Arguments.of("api.example.com", "GET", "/h", Map.of("x-user", "admin"), "hdr-prefix"),
                Arguments.of("api.example.com", "GET", "/h", Map.of("x-user", "bob@corp"), "hdr-suffix"),
                Arguments.of("api.example.com", "GET", "/h", Map.of("x-user", "u123"), "hdr-regex"),
                Arguments.of("api.example.com", "GET", "/h", Map.of("x-user", "u1234", "x-debug", "1"), "-"),
                Arguments.of("api.example.com", "GET", "/h", Map.of("x-user", "mike", "x-debug", "1"), "hdr-ignore-case"),
                Arguments.of("api.example.com", "GET", "/h", Map.of("x-canary", "", "x-debug", "1"), "hdr-present"),
                Arguments.of("api.example.com", "GET", "/h", Map.of(), "hdr-absent"),
                Arguments.of("api.example.com", "GET", "/h", Map.of("x-debug", "1"), "-"),
                Arguments.of("api.example.com", "POST", "/m", Map.of(), "method"),
                Arguments.of("api.example.com", "GET", "/m", Map.of(), "-"),
                Arguments.of("api.example.com", "GET", "/q?v=2", Map.of(), "query"),
                Arguments.of("api.example.com", "GET", "/q?v=3", Map.of(), "-"),
                Arguments.of("api.example.com", "GET", "/q?debug", Map.of(), "query-present"),
                Arguments.of("api.example.com", "GET", "/w", Map.of("x-env", "dev"), "without-header"),
                Arguments.of("api.example.com", "GET", "/w", Map.of(), "without-header"),
                Arguments.of("api.example.com", "GET", "/w", Map.of("x-env", "prod"), "-"),
                Arguments.of("api.example.com", "GET", "/upper/case", Map.of(), "prefix-ci"),
                Arguments.of("api.example.com", "GET", "/path", Map.of(), "prefix"),
                Arguments.of("api.example.com", "GET", "/P", Map.of(), "-"),
                Arguments.of("a.svc.example.com", "GET", "/", Map.of(), "suffix-long"),
                Arguments.of("www.example.com", "GET", "/", Map.of(), "suffix"),
                Arguments.of("example.com", "GET", "/", Map.of(), "catch-all"),
                Arguments.of("reviews.default", "GET", "/", Map.of(), "prefix-wild"),
                Arguments.of("reviews.default:9080", "GET", "/", Map.of(), "prefix-wild"),
                Arguments.of("other", "GET", "/", Map.of(), "catch-all"));
    }

    @ParameterizedTest(name = "{0} {1} {2} {3} -> {4}")
    @MethodSource("cases")
    void selectsTheExpectedRoute(String authority, String method, String path, Map<String, String> headers,
                                 String expected) {
        Map<String, String> all = new HashMap<>(headers);
        all.put(":method", method);
        Route route = TABLE.route(authority, new MapRequest(path, all));
        String cluster = route == null ? "-"
                : ((io.qmesh.proxy.route.RouteAction.Forward) route.action()).clusters().get(0).name();
        assertEquals(expected, cluster);
    }

    @Test
    void invalidRegexIsRejectedWithTheFieldName() {
        RouteConfiguration bad = RouteConfiguration.newBuilder().setName("80")
                .addVirtualHosts(vh("v", "*").toBuilder().setRoutes(0, route("x", RouteMatch.newBuilder()
                        .setSafeRegex(RegexMatcher.newBuilder().setRegex("(?<name")))))
                .build();
        var e = assertThrows(InvalidConfigException.class,
                () -> new RouteTranslator(HttpFilterRegistry.standard()).translate(bad, "route_config[80]"));
        assertTrue(e.getMessage().startsWith("route_config[80].virtual_hosts[0].routes[0].match.safe_regex.regex:"),
                e.getMessage());
    }

    @Test
    void backReferencesAreNotRe2AndAreRejected() {
        RouteConfiguration bad = RouteConfiguration.newBuilder().setName("80")
                .addVirtualHosts(vh("v", "*").toBuilder().setRoutes(0, route("x", RouteMatch.newBuilder()
                        .setSafeRegex(RegexMatcher.newBuilder().setRegex("/(a)\\1")))))
                .build();
        assertThrows(InvalidConfigException.class,
                () -> new RouteTranslator(HttpFilterRegistry.standard()).translate(bad, "route_config[80]"));
    }

    @Test
    void vhostWithoutDomainsIsRejected() {
        RouteConfiguration bad = RouteConfiguration.newBuilder().setName("80")
                .addVirtualHosts(io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName("v")).build();
        var e = assertThrows(InvalidConfigException.class,
                () -> new RouteTranslator(HttpFilterRegistry.standard()).translate(bad, "route_config[80]"));
        assertEquals("route_config[80].virtual_hosts[0].domains: [] (expected: at least one domain)", e.getMessage());
    }

    // ---- helpers ----

    static RouteTable translate(RouteConfiguration rc) {
        try {
            return new RouteTranslator(HttpFilterRegistry.standard()).translate(rc, "route_config[" + rc.getName() + "]");
        } catch (InvalidConfigException e) {
            throw new AssertionError(e);
        }
    }

    static io.envoyproxy.envoy.config.route.v3.VirtualHost vh(String cluster, String domain) {
        return io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName(cluster).addDomains(domain)
                .addRoutes(route(cluster, RouteMatch.newBuilder().setPrefix("/"))).build();
    }

    static io.envoyproxy.envoy.config.route.v3.Route route(String cluster, RouteMatch.Builder match) {
        return io.envoyproxy.envoy.config.route.v3.Route.newBuilder().setMatch(match)
                .setRoute(RouteAction.newBuilder().setCluster(cluster)).build();
    }

    static RouteMatch.Builder prefix(String p) {
        return RouteMatch.newBuilder().setPrefix(p);
    }

    static HeaderMatcher.Builder header(String name) {
        return HeaderMatcher.newBuilder().setName(name);
    }

    static StringMatcher exact(String v) {
        return StringMatcher.newBuilder().setExact(v).build();
    }

    /** A request as a map of headers (":method" included) and a path with query. */
    record MapRequest(String pathAndQuery, Map<String, String> headers) implements RequestView {
        @Override
        public String path() {
            int q = pathAndQuery.indexOf('?');
            return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        }

        @Override
        public String header(String name) {
            return headers.get(name);
        }

        @Override
        public String queryParam(String name) {
            int q = pathAndQuery.indexOf('?');
            if (q < 0) {
                return null;
            }
            for (String kv : List.of(pathAndQuery.substring(q + 1).split("&"))) {
                String[] p = kv.split("=", 2);
                if (p[0].equals(name)) {
                    return p.length > 1 ? p[1] : "";
                }
            }
            return null;
        }
    }
}
