package io.qmesh.bookinfo.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The six bookinfo workloads (productpage v1, details v1, reviews v1/v2/v3, ratings v1) as separate
 * processes on 127.0.0.1, each on a port chosen by the OS. Their outbound calls go through
 * {@link RoutingProxy}, standing in for the mesh: it sends {@code reviews:9080} to v1, v2 and v3 in turn
 * and records which version answered, so each page can be checked against the version that served it.
 */
class BookinfoStackTest {

    private static final List<Workload> WORKLOADS = new ArrayList<>();
    private static final Map<String, Workload> BY_NAME = new HashMap<>();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY).followRedirects(HttpClient.Redirect.NEVER).build();
    private static RoutingProxy mesh;
    private static Thread killOnExit;

    @BeforeAll
    static void startTheSixWorkloads() throws Exception {
        // Even if the test JVM is killed or a test hangs, no workload outlives it.
        killOnExit = new Thread(BookinfoStackTest::stopAll, "kill-bookinfo-workloads");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        mesh = new RoutingProxy();
        Map<String, String> viaMesh = Map.of("BOOKINFO_OUTBOUND_PROXY", "127.0.0.1:" + mesh.port());
        try {
            start("details-v1", "details", Map.of());
            start("ratings-v1", "ratings", Map.of());
            for (String version : List.of("v1", "v2", "v3")) {
                Map<String, String> env = new HashMap<>(viaMesh);
                env.put("SERVICE_VERSION", version);
                env.put("HOSTNAME", "reviews-" + version);
                start("reviews-" + version, "reviews", env);
            }
            start("productpage-v1", "productpage", viaMesh);
            for (Workload workload : WORKLOADS) {
                workload.awaitPort(90_000);
            }
        } catch (Exception | AssertionError e) {
            stopAll();
            throw e;
        }
        mesh.route("details:9080", List.of(backend("v1", "details-v1")));
        mesh.route("ratings:9080", List.of(backend("v1", "ratings-v1")));
        mesh.route("reviews:9080", List.of(backend("v1", "reviews-v1"), backend("v2", "reviews-v2"),
                backend("v3", "reviews-v3")));
        warmUp();
    }

    /**
     * Cold JVMs on a loaded 2-core machine can take longer than productpage's 3 s per call for their
     * first requests; the assertions are about routing and rendering, not start-up, so every path
     * is exercised until each reviews version has served a complete page once.
     */
    private static void warmUp() throws Exception {
        Set<String> warm = new HashSet<>();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (warm.size() < 3 && System.nanoTime() < deadline) {
            String html = get("productpage-v1", "/productpage", Map.of()).body();
            if (!html.contains("Error fetching")) {
                for (String version : List.of("v1", "v2", "v3")) {
                    if (html.contains("reviews-" + version + "</u>")) {
                        warm.add(version);
                    }
                }
            }
        }
        mesh.clear();
    }

    private static void start(String name, String service, Map<String, String> env) throws IOException {
        Workload workload = Workload.start(name, service, env);
        WORKLOADS.add(workload);
        BY_NAME.put(name, workload);
    }

    private static RoutingProxy.Backend backend(String version, String workload) {
        return new RoutingProxy.Backend(version, BY_NAME.get(workload).port());
    }

    @AfterAll
    static void stopTheWorkloads() {
        stopAll();
        Runtime.getRuntime().removeShutdownHook(killOnExit);
    }

    private static synchronized void stopAll() {
        WORKLOADS.forEach(Workload::close);
        if (mesh != null) {
            mesh.close();
        }
    }

    @BeforeEach
    void forgetEarlierRequests() {
        mesh.clear();
    }

    private static HttpResponse<String> get(String workload, String path, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + BY_NAME.get(workload).port() + path));
        headers.forEach(request::header);
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    private static List<RoutingProxy.Routed> routedTo(String authority) {
        return mesh.routed().stream().filter(r -> authority.equals(r.authority())).toList();
    }

    @Test
    void everyWorkloadAnswersItsHealthCheck() throws Exception {
        assertEquals("Product page is healthy", get("productpage-v1", "/health", Map.of()).body());
        assertEquals("{\"status\":\"Details is healthy\"}", get("details-v1", "/health", Map.of()).body());
        assertEquals("{\"status\":\"Ratings is healthy\"}", get("ratings-v1", "/health", Map.of()).body());
        for (String version : List.of("v1", "v2", "v3")) {
            assertEquals("{\"status\": \"Reviews is healthy\"}", get("reviews-" + version, "/health", Map.of()).body());
        }
    }

    @Test
    void theProductPageShowsNoBlackOrRedStarsAccordingToTheReviewsVersionThatAnswered() throws Exception {
        Set<String> versionsSeen = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            mesh.clear();
            HttpResponse<String> page = get("productpage-v1", "/productpage", Map.of());
            assertEquals(200, page.statusCode());
            String html = page.body();
            assertTrue(html.contains("<dd class=\"publisher\">PublisherA</dd>"), html);
            List<RoutingProxy.Routed> reviews = routedTo("reviews:9080");
            assertEquals(1, reviews.size(), "one reviews call per page");
            String version = reviews.get(0).version();
            versionsSeen.add(version);
            assertTrue(html.contains("Reviews served by: <u>reviews-" + version + "</u>"), html);
            switch (version) {
                case "v1" -> {
                    assertEquals(0, count(html, "class=\"star "), "v1: no stars");
                    assertTrue(routedTo("ratings:9080").isEmpty(), "v1 does not call ratings");
                }
                case "v2" -> {
                    assertEquals(2, count(html, "class=\"stars stars-black\""), "v2: black stars");
                    assertEquals(9, count(html, "star star-full"));
                    assertEquals(1, routedTo("ratings:9080").size());
                }
                case "v3" -> {
                    assertEquals(2, count(html, "class=\"stars stars-red\""), "v3: red stars");
                    assertEquals(9, count(html, "star star-full"));
                    assertEquals(1, routedTo("ratings:9080").size());
                }
                default -> throw new AssertionError("unknown version " + version);
            }
        }
        assertEquals(Set.of("v1", "v2", "v3"), versionsSeen);
    }

    @Test
    void aSignedInUserAndTheTraceHeadersReachEveryHopThroughTheProxyInAbsoluteForm() throws Exception {
        HttpResponse<String> login = CLIENT.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + BY_NAME.get("productpage-v1").port() + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=jason&passwd=secret")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(302, login.statusCode());
        String cookie = login.headers().firstValue("set-cookie").orElseThrow().split(";", 2)[0];

        // Three pages: round robin makes one of them reach v2 or v3, which call ratings.
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> page = get("productpage-v1", "/productpage",
                    Map.of("cookie", cookie, "x-request-id", "e2e-" + i, "x-b3-traceid", "80f198ee56343ba864fe8b2a57d3eff7"));
            assertTrue(page.body().contains("Signed in as <b class=\"user\">jason</b>"));
        }
        List<RoutingProxy.Routed> hops = mesh.routed();
        Set<String> authorities = new HashSet<>();
        for (RoutingProxy.Routed hop : hops) {
            authorities.add(hop.authority());
            assertEquals(200, hop.status(), hop.toString());
            assertEquals("jason", hop.headers().get("end-user"), hop.toString());
            assertTrue(hop.headers().get("x-request-id").startsWith("e2e-"), hop.toString());
            assertEquals("80f198ee56343ba864fe8b2a57d3eff7", hop.headers().get("x-b3-traceid"), hop.toString());
            assertEquals(cookie, hop.headers().get("cookie"), hop.toString());
        }
        assertEquals(Set.of("details:9080", "reviews:9080", "ratings:9080"), authorities);
    }

    @Test
    void theApiPassesTheRealServicesJsonThrough() throws Exception {
        assertEquals(get("details-v1", "/details/0", Map.of()).body(),
                get("productpage-v1", "/api/v1/products/0", Map.of()).body());
        assertEquals("{\"id\":0,\"ratings\":{\"Reviewer1\":5,\"Reviewer2\":4}}",
                get("productpage-v1", "/api/v1/products/0/ratings", Map.of()).body());
        HttpResponse<String> bad = get("productpage-v1", "/api/v1/products/zero", Map.of());
        assertEquals(400, bad.statusCode());
        assertFalse(WORKLOADS.stream().anyMatch(w -> !w.isAlive()), "no workload crashed");
        Optional<String> contentType = bad.headers().firstValue("content-type");
        assertTrue(contentType.orElse("").startsWith("application/json"));
    }
}
