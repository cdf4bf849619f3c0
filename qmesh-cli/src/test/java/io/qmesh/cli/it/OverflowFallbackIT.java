package io.qmesh.cli.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A destination FallbackPolicy catching circuit-breaker overflow on bookinfo, with a real {@code qmesh up}:
 * ratings answers after 1 s, so reviews v2 and v3 are slow; their breakers take one request and one pending
 * each; of 10 simultaneous page loads, productpage's sidecar refuses the reviews calls beyond those (how many
 * depends on how closely productpage's calls arrive), and every refused call is redirected to reviews v1:
 * every page shows reviews, the overflowed ones without stars, and the sidecar counts exactly as many
 * fallbacks as overflows.
 */
class OverflowFallbackIT {
    static final int PAGES = 10;

    static BookinfoMesh mesh;

    @BeforeAll
    static void up() throws Exception {
        mesh = BookinfoMesh.start("qmesh-overflow-fallback-it");
    }

    @AfterAll
    static void down() throws Exception {
        mesh.stop();
    }

    @Test
    void overflowedReviewsCallsAreServedByReviewsV1() throws Exception {
        String productpage = mesh.admin("11");
        mesh.apply(Arrays.stream(new String[] {"destination-rule-all.yaml", "destination-rule-reviews-overflow.yaml",
                "virtual-service-reviews-v2-v3.yaml", "virtual-service-ratings-delay.yaml", "fallback-reviews-v1.yaml"})
                .map(Qmesh::sample).toArray(Path[]::new));
        Browser.awaitRoutes(productpage, "reviews-v1.default.fallback.qmesh.internal");
        Map<String, Long> before = Browser.stats(productpage);

        ExecutorService pool = Executors.newFixedThreadPool(PAGES);
        List<Browser.Page> pages = new ArrayList<>();
        try {
            List<Future<Browser.Page>> loads = new ArrayList<>();
            for (int i = 0; i < PAGES; i++) {
                Browser browser = new Browser(mesh.gateway);
                loads.add(pool.submit(() -> browser.get("/productpage")));
            }
            for (Future<Browser.Page> f : loads) {
                pages.add(f.get());
            }
        } finally {
            pool.shutdown();
        }

        long withoutStars = 0;
        for (Browser.Page p : pages) {
            assertEquals(200, p.status());
            assertFalse(p.body().contains(MeshDegradationIT.REVIEWS_ERROR), p.body());
            assertTrue(p.body().contains("Reviewer1"), "reviews present: " + p.body());
            withoutStars += p.stars().equals("none") ? 1 : 0;
        }
        Map<String, Long> after = Browser.stats(productpage);
        long overflowed = 0;
        long served = 0;
        for (String subset : new String[] {"v2", "v3"}) {
            String cluster = "cluster.outbound|9080|" + subset + "|reviews.default.svc.cluster.local.";
            overflowed += Browser.counter(after, cluster + "upstream_rq_pending_overflow")
                    - Browser.counter(before, cluster + "upstream_rq_pending_overflow");
            served += Browser.counter(after, cluster + "fallback_rq_served") - Browser.counter(before, cluster + "fallback_rq_served");
        }
        assertEquals(overflowed, served, "every overflowed call, and only those, was served by the fallback");
        assertEquals(overflowed, withoutStars, "the fallback is reviews v1: the overflowed pages show no stars");
        assertTrue(overflowed >= 1, "the breakers refused some of " + PAGES + " simultaneous calls");
    }
}
