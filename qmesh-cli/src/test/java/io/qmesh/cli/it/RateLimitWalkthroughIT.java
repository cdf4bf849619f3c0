package io.qmesh.cli.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The walkthrough's rate-limiting step (docs/walkthrough.md, step 8) against a real {@code qmesh up}:
 * deploy/samples/ratelimit-productpage.yaml limits productpage to 10 requests per minute per instance;
 * of 11 requests sent at once through the ingress gateway, 10 get the page and one gets 429 with
 * {@code x-local-rate-limit: true} from productpage's sidecar, counted there; the services behind
 * productpage are not limited; deleting the policy lifts the limit.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RateLimitWalkthroughIT {
    static final String PRODUCTPAGE = "11";
    static final String REVIEWS_V1 = "14";
    static final String ENFORCED = "ratelimit_default_productpage.http_local_rate_limit.enforced";
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static BookinfoMesh mesh;
    static String gateway;

    @BeforeAll
    static void up() throws Exception {
        mesh = BookinfoMesh.start("qmesh-ratelimit-it");
        gateway = mesh.gateway;
    }

    @AfterAll
    static void down() throws Exception {
        mesh.stop();
    }

    static String admin(String host) {
        return mesh.admin(host);
    }

    static HttpResponse<String> get(String url) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Sends {@code n} requests at once (10 per minute refill one token every 6 s: they all land within it). */
    static List<HttpResponse<String>> burst(String url, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                calls.add(() -> get(url));
            }
            List<HttpResponse<String>> out = new ArrayList<>();
            for (Future<HttpResponse<String>> f : pool.invokeAll(calls)) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Order(1)
    void theEleventhRequestWithinTheMinuteGets429FromProductpagesSidecar() throws Exception {
        Qmesh.Result applied = mesh.qmesh.run("apply", "-f", Qmesh.sample("ratelimit-productpage.yaml").toString());
        assertEquals(0, applied.exit(), applied.toString());
        assertTrue(applied.out().contains("ratelimitpolicy.policy.qmesh.io/productpage created"), applied.toString());
        Browser.awaitConfig(admin(PRODUCTPAGE), "ratelimit_default_productpage", true);
        Qmesh.Result listed = mesh.qmesh.run("get", "ratelimitpolicies");
        assertTrue(listed.out().matches("(?s).*default\\s+productpage\\s+productpage\\s+10/minute\\s+0.*"), listed.toString());

        long reviewsBefore = Browser.counter(Browser.stats(admin(REVIEWS_V1)), "http.inbound_0.0.0.0_9080.downstream_rq_total");
        List<HttpResponse<String>> responses = burst(gateway + "/productpage", 11);
        List<HttpResponse<String>> limited = responses.stream().filter(r -> r.statusCode() == 429).toList();
        assertEquals(10, responses.stream().filter(r -> r.statusCode() == 200).count(), statuses(responses));
        assertEquals(1, limited.size(), statuses(responses));
        assertEquals("true", limited.get(0).headers().firstValue("x-local-rate-limit").orElse(null));
        assertEquals("local_rate_limited", limited.get(0).body());
        assertTrue(responses.stream().filter(r -> r.statusCode() == 200).allMatch(r -> r.body().contains("The Comedy of Errors")));

        Map<String, Long> pp = Browser.stats(admin(PRODUCTPAGE));
        assertEquals(1, Browser.counter(pp, ENFORCED), "productpage's sidecar rejected it");
        assertEquals(11, Browser.counter(pp, "ratelimit_default_productpage.http_local_rate_limit.enabled"));
        // The 10 pages called reviews through its sidecar, which has no limit.
        long reviewsAfter = Browser.counter(Browser.stats(admin(REVIEWS_V1)), "http.inbound_0.0.0.0_9080.downstream_rq_total");
        assertTrue(reviewsAfter - reviewsBefore >= 1, "reviews served the pages' calls");
    }

    @Test
    @Order(2)
    void otherServicesAreNotLimited() throws Exception {
        // reviews-v1's inbound listener (explicit-proxy mode: its own address, port 9080), 30 requests at once.
        List<HttpResponse<String>> responses = burst("http://" + mesh.subnet + "." + REVIEWS_V1 + ":9080/reviews/0", 30);
        assertEquals(30, responses.stream().filter(r -> r.statusCode() == 200).count(), statuses(responses));
        Map<String, Long> reviews = Browser.stats(admin(REVIEWS_V1));
        assertTrue(reviews.keySet().stream().noneMatch(k -> k.contains("http_local_rate_limit")), "no rate limit on reviews");
        assertEquals(429, get(gateway + "/productpage").statusCode(), "productpage is still limited within the minute");
    }

    @Test
    @Order(3)
    void deletingThePolicyLiftsTheLimit() throws Exception {
        Qmesh.Result deleted = mesh.qmesh.run("delete", "-f", Qmesh.sample("ratelimit-productpage.yaml").toString());
        assertEquals(0, deleted.exit(), deleted.toString());
        Browser.awaitConfig(admin(PRODUCTPAGE), "ratelimit_default_productpage", false);
        List<HttpResponse<String>> responses = burst(gateway + "/productpage", 12);
        assertEquals(12, responses.stream().filter(r -> r.statusCode() == 200).count(), statuses(responses));
    }

    static String statuses(List<HttpResponse<String>> responses) {
        return responses.stream().map(r -> r.statusCode() + "").toList().toString();
    }
}
