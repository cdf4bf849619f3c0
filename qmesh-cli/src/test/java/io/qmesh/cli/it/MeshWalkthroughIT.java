package io.qmesh.cli.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Istio's bookinfo traffic-management walkthrough (docs/walkthrough.md), automated against a real
 * {@code qmesh up}: fourteen processes on a random loopback /24, rules applied with {@code qmesh apply},
 * pages fetched through the ingress gateway, and the sidecars' own counters checked to prove every call went
 * through them. Ordered: each step starts from the rules the previous one left, as a user following the
 * walkthrough would.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshWalkthroughIT {
    static final String REVIEWS_FALLBACK = "Sorry, product reviews are currently unavailable for this book.";
    static final String RATINGS_UNAVAILABLE = "Ratings service is currently unavailable";
    static final ObjectMapper JSON = new ObjectMapper();

    static BookinfoMesh mesh;
    static Path work;
    static Path runDir;
    static Qmesh qmesh;
    static Process up;
    static String subnet;
    static String gateway;
    static Browser anonymous;
    static Path upLog;

    @BeforeAll
    static void up() throws Exception {
        mesh = BookinfoMesh.start("qmesh-it");
        work = mesh.work;
        runDir = mesh.runDir;
        qmesh = mesh.qmesh;
        up = mesh.up;
        subnet = mesh.subnet;
        gateway = mesh.gateway;
        upLog = mesh.upLog;
        anonymous = new Browser(gateway);
    }

    @AfterAll
    static void down() throws Exception {
        mesh.stop();
    }

    static String admin(String host) {
        return "http://" + subnet + "." + host + ":15000";
    }

    static final String PRODUCTPAGE = "11";
    static final String RATINGS = "13";
    static final String REVIEWS_V1 = "14";
    static final String REVIEWS_V2 = "15";
    static final String REVIEWS_V3 = "16";
    static final String GATEWAY = "1";

    @Test
    @Order(1)
    void upPrintsWhereThingsAreAndEverythingIsReadyAndSynced() throws Exception {
        String log = Files.readString(upLog);
        assertTrue(log.contains("productpage:  " + gateway + "/productpage"), log);
        assertTrue(log.contains("logs:         " + runDir.resolve("logs")), log);
        assertTrue(log.contains("ready"), "progress lines: " + log);

        Qmesh.Result status = qmesh.run("status");
        assertEquals(0, status.exit(), status.toString());
        assertEquals(14, status.out().lines().filter(l -> l.matches(".*\\srunning\\s+yes$")).count(), status.toString());

        Qmesh.Result sync = qmesh.run("proxy-status");
        assertEquals(0, sync.exit(), sync.toString());
        assertEquals(7, sync.out().lines().filter(l -> l.matches(".*SYNCED\\s+SYNCED\\s+SYNCED\\s+SYNCED.*")).count(), sync.toString());

        Qmesh.Result second = qmesh.run("up", "--subnet", subnet);
        assertEquals(1, second.exit(), second.toString());
        assertTrue(second.err().startsWith("error: qmesh is already running (pid "), second.toString());
    }

    @Test
    @Order(2)
    void allV1NeverShowsStarsAndEveryCallCrossesTheSidecars() throws Exception {
        apply(Qmesh.sample("destination-rule-all.yaml"), Qmesh.sample("virtual-service-all-v1.yaml"));
        Browser.awaitRoutes(admin(PRODUCTPAGE), "outbound|9080|v1|reviews.default.svc.cluster.local");
        Map<String, Long> gw0 = Browser.stats(admin(GATEWAY));
        Map<String, Long> pp0 = Browser.stats(admin(PRODUCTPAGE));
        Map<String, Long> rv0 = Browser.stats(admin(REVIEWS_V1));

        for (int i = 0; i < 100; i++) {
            Browser.Page p = anonymous.get("/productpage");
            assertEquals(200, p.status());
            assertEquals("none", p.stars(), "page " + i);
            assertTrue(p.body().contains("Reviewer1"), "reviews present on page " + i);
        }

        Map<String, Long> gw1 = Browser.stats(admin(GATEWAY));
        Map<String, Long> pp1 = Browser.stats(admin(PRODUCTPAGE));
        Map<String, Long> rv1 = Browser.stats(admin(REVIEWS_V1));
        assertTrue(delta(gw0, gw1, "cluster.outbound|9080||productpage.default.svc.cluster.local.upstream_rq_200") >= 100,
                "the gateway sent the pages to productpage's sidecar");
        assertTrue(delta(pp0, pp1, "http.inbound_0.0.0.0_9080.downstream_rq_total") >= 100,
                "productpage's sidecar received them on its inbound side");
        assertTrue(delta(pp0, pp1, "cluster.outbound|9080|v1|reviews.default.svc.cluster.local.upstream_rq_200") >= 100,
                "productpage's calls to reviews left through its sidecar, to subset v1");
        assertTrue(delta(pp0, pp1, "cluster.outbound|9080|v1|details.default.svc.cluster.local.upstream_rq_200") >= 100,
                "and its calls to details");
        assertTrue(delta(rv0, rv1, "http.inbound_0.0.0.0_9080.downstream_rq_total") >= 100,
                "reviews v1's sidecar received them on its inbound side");
    }

    @Test
    @Order(3)
    void jasonGetsV2AndOnlyJason() throws Exception {
        apply(Qmesh.sample("virtual-service-reviews-test-v2.yaml"));
        Browser.awaitRoutes(admin(PRODUCTPAGE), "jason");
        Browser jason = signedIn("jason");
        for (int i = 0; i < 10; i++) {
            assertEquals("black", jason.get("/productpage").stars(), "jason, page " + i);
            assertEquals("none", anonymous.get("/productpage").stars(), "anonymous, page " + i);
        }
        assertEquals("none", signedIn("json").get("/productpage").stars(), "another user");
    }

    @Test
    @Order(4)
    void fiftyFiftyV1V3FollowsTheWeights() throws Exception {
        apply(Qmesh.sample("virtual-service-reviews-50-v3.yaml"));
        Browser.awaitRoutes(admin(PRODUCTPAGE), "weightedClusters");
        Map<String, Integer> seen = new TreeMap<>();
        for (int i = 0; i < 200; i++) {
            seen.merge(anonymous.get("/productpage").stars(), 1, Integer::sum);
        }
        int red = seen.getOrDefault("red", 0);
        assertEquals(200, red + seen.getOrDefault("none", 0), "only v1 and v3 answer: " + seen);
        // Binomial(200, 0.5): mean 100, sd 7.07; +-4 sd fails a correct proxy about once in 16,000 runs.
        assertTrue(red >= 72 && red <= 128, "v3 share " + seen);
    }

    @Test
    @Order(5)
    void delayForJasonGivesTheReviewsFallbackAfterAboutSixSeconds() throws Exception {
        apply(Qmesh.sample("virtual-service-reviews-test-v2.yaml"), Qmesh.sample("virtual-service-ratings-test-delay.yaml"));
        Browser.awaitRoutes(admin(REVIEWS_V2), "fixedDelay");
        Browser.awaitRoutes(admin(PRODUCTPAGE), "jason");
        Browser jason = signedIn("jason");
        Browser.Page p = jason.get("/productpage");
        assertEquals(200, p.status());
        assertTrue(p.body().contains("Error fetching product reviews!") && p.body().contains(REVIEWS_FALLBACK), p.body());
        // productpage: 3 s timeout x 2 tries < reviews v2's 10 s wait for ratings' 7 s delay.
        assertTrue(p.millis() >= 5_500 && p.millis() < 9_000, "took " + p.millis() + " ms");
        assertEquals("none", anonymous.get("/productpage").stars(), "others are not delayed and get v1");
    }

    @Test
    @Order(6)
    void abortForJasonShowsRatingsUnavailableAtOnce() throws Exception {
        apply(Qmesh.sample("virtual-service-ratings-test-abort.yaml"));
        Browser.awaitRoutes(admin(REVIEWS_V2), "abort");
        Browser jason = signedIn("jason");
        Browser.Page p = jason.get("/productpage");
        assertTrue(p.body().contains(RATINGS_UNAVAILABLE), p.body());
        assertTrue(p.millis() < 2_500, "took " + p.millis() + " ms");
        Map<String, Long> stats = Browser.stats(admin(REVIEWS_V2));
        assertTrue(stats.keySet().stream().anyMatch(k -> k.contains("rq_response_flag.FI")),
                "reviews v2's sidecar counted the injected fault (FI): " + stats.keySet());
    }

    @Test
    @Order(7)
    void halfSecondTimeoutGivesTheFallbackInAboutOneSecond() throws Exception {
        Path rules = Path.of("src/test/resources/walkthrough");
        apply(rules.resolve("ratings-delay-2s.yaml"), rules.resolve("reviews-v2-timeout-0.5s.yaml"));
        Browser.awaitRoutes(admin(PRODUCTPAGE), "0.500s");
        Browser.awaitRoutes(admin(REVIEWS_V2), "\"fixedDelay\":\"2s\"");
        Browser.Page p = anonymous.get("/productpage");
        assertTrue(p.body().contains(REVIEWS_FALLBACK), p.body());
        // Two tries of 0.5 s each (Istio's task says "about 1 second").
        assertTrue(p.millis() >= 900 && p.millis() < 3_000, "took " + p.millis() + " ms");
    }

    @Test
    @Order(8)
    void deletingTheRulesRestoresTheDefaultRoundRobin() throws Exception {
        Qmesh.Result deleted = qmesh.run("delete", "-f", Qmesh.sample("virtual-service-all-v1.yaml").toString());
        assertEquals(0, deleted.exit(), deleted.toString());
        assertTrue(deleted.out().contains("virtualservice.networking.istio.io/reviews deleted"), deleted.toString());
        Browser.awaitRoutes(admin(PRODUCTPAGE), "outbound|9080|v2|reviews", false);
        Qmesh.Result vs = qmesh.run("get", "virtualservices");
        assertEquals(List.of("bookinfo"), vs.out().lines().skip(1).map(l -> l.split("\\s+")[1]).toList(), vs.toString());
        Map<String, Integer> seen = new TreeMap<>();
        for (int i = 0; i < 30; i++) {
            seen.merge(anonymous.get("/productpage").stars(), 1, Integer::sum);
        }
        assertEquals(3, seen.size(), "all three versions answer again: " + seen);
    }

    @Test
    @Order(9)
    void rejectedAndBrokenFilesAreOneClearErrorLine() throws Exception {
        Qmesh.Result rejected = qmesh.run("apply", "-f", "src/test/resources/walkthrough/invalid-weight.yaml");
        assertEquals(1, rejected.exit(), rejected.toString());
        assertTrue(rejected.err().contains("spec.http[0].route[0].weight: -5"), rejected.toString());
        Qmesh.Result broken = qmesh.run("apply", "-f", "src/test/resources/walkthrough/broken.yaml");
        assertEquals(1, broken.exit(), broken.toString());
        assertTrue(broken.err().matches("(?s)error: .*broken.yaml: invalid YAML at line \\d+, column \\d+: .*"), broken.toString());
        Qmesh.Result missing = qmesh.run("apply", "-f", "no-such-file.yaml");
        assertEquals("error: no-such-file.yaml: no such file\n", missing.err(), missing.toString());
        Qmesh.Result noPilot = qmesh.run("get", "vs", "--pilot", "127.0.0.1:1");
        assertEquals(2, noPilot.exit(), noPilot.toString());
        assertEquals(1, noPilot.err().lines().count(), noPilot.toString());
        for (Qmesh.Result r : List.of(rejected, broken, missing, noPilot)) {
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        }
    }

    @Test
    @Order(10)
    void proxyConfigShowsWhatTheSidecarHolds() throws Exception {
        Qmesh.Result listeners = qmesh.run("proxy-config", "listeners", "productpage-v1");
        assertEquals(0, listeners.exit(), listeners.toString());
        assertTrue(listeners.out().lines().anyMatch(l -> l.matches("virtualOutbound\\s+" + subnet.replace(".", "\\.") + "\\.11\\s+15001\\s+yes.*")),
                listeners.toString());
        Qmesh.Result clusters = qmesh.run("proxy-config", "clusters", "productpage-v1");
        assertTrue(clusters.out().lines().anyMatch(l -> l.matches("reviews.default.svc.cluster.local\\s+9080\\s+v3\\s+OUTBOUND\\s+EDS.*")),
                clusters.toString());
        Qmesh.Result endpoints = qmesh.run("proxy-config", "endpoints", "productpage-v1");
        assertTrue(endpoints.out().lines().anyMatch(l -> l.startsWith(subnet + ".16:9080 ") && l.contains(" HEALTHY ")),
                endpoints.toString());
        Qmesh.Result json = qmesh.run("proxy-config", "routes", "productpage-v1", "-o", "json");
        JsonNode routes = JSON.readTree(json.out());
        assertEquals("9080", routes.get(0).path("name").asText(), json.toString());
    }

    @Test
    @Order(11)
    void headlessChromiumLogsInAsJasonAndSeesBlackStars() throws Exception {
        Assumptions.assumeTrue(WebDriver.available(),
                "skipped: no headless Chromium; install it with: apt-get install -y chromium chromium-driver");
        apply(Qmesh.sample("virtual-service-all-v1.yaml"), Qmesh.sample("virtual-service-reviews-test-v2.yaml"));
        Browser.awaitRoutes(admin(PRODUCTPAGE), "jason");
        try (WebDriver chrome = new WebDriver(work.resolve("chromedriver.log"))) {
            chrome.open(gateway + "/productpage");
            assertEquals(0, chrome.count(".stars-black"), "no stars before signing in");
            chrome.type(chrome.find("input[name=username]"), "jason");
            chrome.click(chrome.find("form.session button[type=submit]"));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (chrome.count(".stars-black") == 0 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            Path png = Path.of("target/productpage-jason.png").toAbsolutePath();
            chrome.screenshot(png);
            assertEquals(2, chrome.count(".stars-black"), "two reviews with black stars for jason (screenshot: " + png + ")");
            byte[] image = Files.readAllBytes(png);
            assertTrue(image.length > 1_000 && image[1] == 'P' && image[2] == 'N' && image[3] == 'G', "a PNG screenshot");
        }
    }

    @Test
    @Order(20)
    void aKilledSidecarShowsInStatusAndProxyStatus() throws Exception {
        JsonNode state = JSON.readTree(runDir.resolve("state.json").toFile());
        long pid = -1;
        for (JsonNode p : state.path("processes")) {
            if (p.path("name").asText().equals("ratings-v1-sidecar")) {
                pid = p.path("pid").asLong();
            }
        }
        ProcessHandle sidecar = ProcessHandle.of(pid).orElseThrow();
        sidecar.destroyForcibly();
        sidecar.onExit().get(10, TimeUnit.SECONDS);

        Qmesh.Result status = qmesh.run("status");
        assertEquals(1, status.exit(), status.toString());
        assertTrue(status.out().lines().anyMatch(l -> l.matches("ratings-v1-sidecar\\s+sidecar\\s+" + sidecar.pid() + ".*exited\\s+NO")),
                status.toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        Qmesh.Result sync;
        do {
            sync = qmesh.run("proxy-status");
        } while (!notConnected(sync) && System.nanoTime() < deadline);
        assertEquals(1, sync.exit(), sync.toString());
        assertTrue(notConnected(sync), sync.toString());
    }

    @Test
    @Order(30)
    void downLeavesNoProcessBehind() throws Exception {
        JsonNode state = JSON.readTree(runDir.resolve("state.json").toFile());
        List<Long> pids = new ArrayList<>();
        state.path("processes").forEach(p -> pids.add(p.path("pid").asLong()));
        assertEquals(14, pids.size());

        Qmesh.Result down = qmesh.run("down");
        assertEquals(0, down.exit(), down.toString());
        assertTrue(up.waitFor(30, TimeUnit.SECONDS), "qmesh up exited");
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " is gone");
        }
        assertFalse(Files.exists(runDir.resolve("state.json")), "state file removed");
        assertEquals("qmesh is not running\n", qmesh.run("down").out());
    }

    private static Browser signedIn(String user) throws Exception {
        Browser b = new Browser(gateway);
        b.login(user);
        return b;
    }

    private static boolean notConnected(Qmesh.Result proxyStatus) {
        return proxyStatus.out().lines().anyMatch(l -> l.matches("ratings-v1\\.default\\s+NOT CONNECTED \\(process exited\\)"));
    }

    private static void apply(Path... files) throws Exception {
        mesh.apply(files);
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String counter) {
        return Browser.counter(after, counter) - Browser.counter(before, counter);
    }
}
