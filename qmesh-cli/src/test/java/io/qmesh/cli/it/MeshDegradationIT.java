package io.qmesh.cli.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The walkthrough's degradation step (docs/walkthrough.md) against a real {@code qmesh up} whose reviews v2
 * and v3 and details answer 500 (bookinfo's {@code FAULT_MODE=error}): without a policy the page shows
 * productpage's own fallback texts; with {@code fallback-reviews-v1.yaml} users get reviews v1 (no stars)
 * instead, served through the aggregate cluster of productpage's sidecar; with
 * {@code fallback-details-static.yaml} the details block shows the static document.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshDegradationIT {
    static final String REVIEWS_ERROR = "Error fetching product reviews!";
    static final String DETAILS_ERROR = "Error fetching product details!";

    static BookinfoMesh mesh;
    static Browser browser;

    @BeforeAll
    static void up() throws Exception {
        mesh = BookinfoMesh.start("qmesh-degradation-it",
                "--app-env", "reviews-v2:FAULT_MODE=error", "--app-env", "reviews-v3:FAULT_MODE=error",
                "--app-env", "details-v1:FAULT_MODE=error");
        browser = new Browser(mesh.gateway);
    }

    @AfterAll
    static void down() throws Exception {
        mesh.stop();
    }

    static String productpageAdmin() {
        return mesh.admin("11");
    }

    static void apply(String... samples) throws Exception {
        mesh.apply(Arrays.stream(samples).map(Qmesh::sample).toArray(Path[]::new));
    }

    @Test
    @Order(1)
    void withoutAPolicyFailingReviewsAndDetailsShowProductpagesOwnFallback() throws Exception {
        apply("destination-rule-all.yaml", "virtual-service-reviews-v2-v3.yaml");
        Browser.awaitRoutes(productpageAdmin(), "outbound|9080|v3|reviews");
        // Two pages only: productpage's own circuit breaker opens after 20 calls, half failed.
        for (int i = 0; i < 2; i++) {
            Browser.Page p = browser.get("/productpage");
            assertEquals(200, p.status());
            assertTrue(p.body().contains(REVIEWS_ERROR), p.body());
            assertTrue(p.body().contains(DETAILS_ERROR), p.body());
        }
    }

    @Test
    @Order(2)
    void withTheReviewsFallbackUsersGetReviewsV1InsteadOfAnErrorPage() throws Exception {
        apply("fallback-reviews-v1.yaml");
        Browser.awaitRoutes(productpageAdmin(), "aggregate~default~reviews-v1|9080|v3|reviews");
        Map<String, Long> before = Browser.stats(productpageAdmin());
        for (int i = 0; i < 10; i++) {
            Browser.Page p = browser.get("/productpage");
            assertEquals(200, p.status());
            assertFalse(p.body().contains(REVIEWS_ERROR), "page " + i + ": " + p.body());
            assertTrue(p.body().contains("Reviewer1"), "reviews present on page " + i);
            assertEquals("none", p.stars(), "reviews v1 answered page " + i);
        }
        Map<String, Long> after = Browser.stats(productpageAdmin());
        long served = 0;
        for (String subset : new String[] {"v2", "v3"}) {
            String counter = "cluster.aggregate~default~reviews-v1|9080|" + subset
                    + "|reviews.default.svc.cluster.local.fallback_rq_served";
            served += Browser.counter(after, counter) - Browser.counter(before, counter);
        }
        assertEquals(10, served, "every page's reviews came from the fallback");
        assertTrue(Browser.counter(after, "cluster.outbound|9080|v2|reviews.default.svc.cluster.local.upstream_rq_500")
                + Browser.counter(after, "cluster.outbound|9080|v3|reviews.default.svc.cluster.local.upstream_rq_500") >= 30,
                "each page's call tried v2/v3 the route's 3 attempts first");
    }

    @Test
    @Order(3)
    void withTheStaticDetailsFallbackTheDetailsBlockShowsThePlaceholder() throws Exception {
        apply("fallback-details-static.yaml");
        Browser.awaitRoutes(productpageAdmin(), "envoy.filters.http.custom_response");
        Map<String, Long> before = Browser.stats(productpageAdmin());
        for (int i = 0; i < 5; i++) {
            Browser.Page p = browser.get("/productpage");
            assertEquals(200, p.status());
            assertFalse(p.body().contains(DETAILS_ERROR), "page " + i + ": " + p.body());
            assertTrue(p.body().contains("<dd class=\"publisher\">unavailable</dd>"), p.body());
            assertEquals("none", p.stars());
        }
        String counter = "cluster.outbound|9080||details.default.svc.cluster.local.fallback_rq_served";
        assertEquals(5, Browser.counter(Browser.stats(productpageAdmin()), counter) - Browser.counter(before, counter));
    }
}
