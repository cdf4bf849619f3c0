package io.qmesh.proxy;

import static io.qmesh.proxy.testing.Mesh.REVIEWS;
import static io.qmesh.proxy.testing.Mesh.outbound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import io.qmesh.proxy.http.HttpLimits;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.stats.ResponseFlag;
import io.qmesh.proxy.testing.FakeAdsServer;
import io.qmesh.proxy.testing.Mesh;
import io.qmesh.proxy.testing.ProxyHarness;
import io.qmesh.proxy.testing.TestUpstream;
import io.qmesh.proxy.xds.TypeUrls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The local rate limit through the real proxy on loopback, configured in the shape pilot sends for a
 * RateLimitPolicy: the filter in the chain with no bucket of its own, a bucket on the virtual host
 * (3 requests per minute) and a route with per-{@code end-user} buckets (2 per minute each). The buckets
 * run on a fake ticker, so a minute passes without sleeping.
 */
class LocalRateLimitTest {
    static final String CLUSTER = outbound(9080, "", REVIEWS);
    static final String FILTER = "envoy.filters.http.local_ratelimit";
    static final long UNLIMITED = 4_294_967_295L;
    static final AtomicLong ticker = new AtomicLong(System.nanoTime());
    static ProxyHarness h;
    static TestUpstream reviews;

    @BeforeAll
    static void start() throws Exception {
        reviews = new TestUpstream("reviews");
        h = new ProxyHarness(RandomSource.THREAD_LOCAL,
                new ProxySettings("127.0.0.1", 0, 0, 0, 2, true, 20, 200, HttpLimits.DEFAULT), ticker::get);
        h.ads.set(TypeUrls.CLUSTER, "c1", List.of(Mesh.edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN)));
        h.ads.set(TypeUrls.ENDPOINT, "e1", List.of(Mesh.endpoints(CLUSTER, reviews.address())));
        h.ads.set(TypeUrls.LISTENER, "l1", List.of(Mesh.virtualOutbound(), Mesh.outboundHttpPort(9080, Mesh.faultFilter(),
                HttpFilter.newBuilder().setName(FILTER).setTypedConfig(Any.pack(LocalRateLimit.newBuilder()
                        .setStatPrefix("http_local_rate_limiter").build())).build())));
        h.ads.set(TypeUrls.ROUTE, "r1", List.of(routes()));
        h.awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
        reviews.close();
    }

    static RouteConfiguration routes() {
        RouteConfiguration rc = Mesh.routeConfig(9080, REVIEWS,
                Mesh.prefixRoute("/users", CLUSTER).toBuilder()
                        .setRoute(Mesh.prefixRoute("/users", CLUSTER).getRoute().toBuilder().addRateLimits(RateLimit.newBuilder()
                                .addActions(RateLimit.Action.newBuilder().setRequestHeaders(RateLimit.Action.RequestHeaders
                                        .newBuilder().setHeaderName("end-user").setDescriptorKey("end-user")))))
                        .putTypedPerFilterConfig(FILTER, Any.pack(policy("ratelimit_default_users", UNLIMITED, 1)
                                .setAlwaysConsumeDefaultTokenBucket(BoolValue.of(false))
                                .addDescriptors(LocalRateLimitDescriptor.newBuilder()
                                        .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey("end-user"))
                                        .setTokenBucket(bucket(2, 60))).build()))
                        .build(),
                Mesh.prefixRoute("/", CLUSTER));
        return rc.toBuilder().setVirtualHosts(0, rc.getVirtualHosts(0).toBuilder()
                .putTypedPerFilterConfig(FILTER, Any.pack(policy("ratelimit_default_reviews", 3, 60)
                        .addResponseHeadersToAdd(header("retry-after", "60")).build()))).build();
    }

    static LocalRateLimit.Builder policy(String statPrefix, long tokens, long fillSeconds) {
        RuntimeFractionalPercent always = RuntimeFractionalPercent.newBuilder().setDefaultValue(FractionalPercent.newBuilder()
                .setNumerator(100).setDenominator(FractionalPercent.DenominatorType.HUNDRED)).build();
        return LocalRateLimit.newBuilder().setStatPrefix(statPrefix).setTokenBucket(bucket(tokens, fillSeconds))
                .setFilterEnabled(always).setFilterEnforced(always).addResponseHeadersToAdd(header("x-local-rate-limit", "true"));
    }

    static TokenBucket bucket(long tokens, long fillSeconds) {
        return TokenBucket.newBuilder().setMaxTokens((int) tokens).setTokensPerFill(UInt32Value.of((int) tokens))
                .setFillInterval(Duration.newBuilder().setSeconds(fillSeconds)).build();
    }

    static HeaderValueOption header(String name, String value) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD).build();
    }

    static HttpResponse<String> get(String path, String... headers) throws Exception {
        return h.get("http://reviews:9080" + path, headers);
    }

    @Test
    void theFourthRequestWithinTheMinuteGets429AndAPushDoesNotRefill() throws Exception {
        reviews.reset();
        for (int i = 0; i < 3; i++) {
            assertEquals(200, get("/page").statusCode(), "request " + (i + 1));
        }
        HttpResponse<String> limited = get("/page");
        assertEquals(429, limited.statusCode());
        assertEquals("local_rate_limited", limited.body());
        assertEquals("true", limited.headers().firstValue("x-local-rate-limit").orElse(null));
        assertEquals("60", limited.headers().firstValue("retry-after").orElse(null));
        assertEquals(3, reviews.requests(), "the limited request never reached the upstream");

        // An endpoint push re-translates the whole config: the bucket must stay empty.
        TestUpstream other = new TestUpstream("reviews-2");
        try {
            h.ads.set(TypeUrls.ENDPOINT, "e2", List.of(Mesh.endpoints(CLUSTER, reviews.address(), other.address())));
            FakeAdsServer.await("EDS e2 applied", () -> h.proxy.config().version().contains("e2"));
            assertEquals(429, get("/page").statusCode(), "a push does not refill the bucket");

            ticker.addAndGet(20_000_000_000L); // 3 per minute: one token every 20 s
            assertEquals(200, get("/page").statusCode());
            assertEquals(429, get("/page").statusCode());
        } finally {
            h.ads.set(TypeUrls.ENDPOINT, "e3", List.of(Mesh.endpoints(CLUSTER, reviews.address())));
            other.close();
        }

        String prefix = "ratelimit_default_reviews.http_local_rate_limit.";
        assertEquals(7, h.proxy.stats().get(prefix + "enabled"));
        assertEquals(4, h.proxy.stats().get(prefix + "ok"));
        assertEquals(3, h.proxy.stats().get(prefix + "rate_limited"));
        assertEquals(3, h.proxy.stats().get(prefix + "enforced"));
        assertEquals(0, h.proxy.stats().get("http_local_rate_limiter.http_local_rate_limit.enabled"),
                "the listener-level filter has no bucket of its own");
        FakeAdsServer.await("access log", () -> h.accessLog.stream()
                .filter(e -> e.path().equals("/page") && e.status() == 429).count() == 3);
        assertTrue(h.accessLog.stream().filter(e -> e.status() == 429)
                .allMatch(e -> e.responseFlags() == ResponseFlag.RATE_LIMITED.bit()), "flag RL");
        String stats = plain("http://127.0.0.1:" + h.proxy.adminAddress().getPort() + "/stats");
        String dump = plain("http://127.0.0.1:" + h.proxy.adminAddress().getPort() + "/config_dump");
        assertTrue(dump.contains("\"statPrefix\": \"ratelimit_default_reviews\""), "config_dump prints the filter config: " + dump);
        assertTrue(stats.contains(prefix + "rate_limited: 3"), stats);
        String prom = plain("http://127.0.0.1:" + h.proxy.prometheusAddress().getPort() + "/stats/prometheus");
        assertTrue(prom.contains("envoy_http_local_rate_limit_enforced{envoy_local_http_ratelimit_prefix=\"ratelimit_default_reviews\"} 3"), prom);
    }

    @Test
    void eachEndUserHasItsOwnBucketOnTheRoute() throws Exception {
        for (String user : List.of("jason", "mike")) {
            assertEquals(200, get("/users", "end-user", user).statusCode());
            assertEquals(200, get("/users", "end-user", user).statusCode());
            HttpResponse<String> third = get("/users", "end-user", user);
            assertEquals(429, third.statusCode(), user + "'s third request");
            assertEquals("true", third.headers().firstValue("x-local-rate-limit").orElse(null));
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(200, get("/users").statusCode(), "no end-user header: no descriptor, the default bucket is unlimited");
        }
        assertEquals(2, h.proxy.stats().get("ratelimit_default_users.http_local_rate_limit.enforced"));
    }

    static String plain(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
