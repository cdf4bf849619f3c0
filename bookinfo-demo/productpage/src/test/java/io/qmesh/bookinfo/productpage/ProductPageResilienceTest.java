package io.qmesh.bookinfo.productpage;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.qmesh.bookinfo.productpage.upstream.DetailsClient;
import io.qmesh.bookinfo.productpage.upstream.ReviewsClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/**
 * The page when peers fail (500, connection refused) or stall, with the test timeout of 1 s per try
 * and a breaker that opens after 4 failed calls ({@code %test} in application.properties).
 */
@QuarkusTest
@WithTestResource(FakeUpstreams.class)
class ProductPageResilienceTest extends FakePeersTest {

    /** The heading and the fallback text, next to each other in the page. */
    static final Pattern DETAILS_ERROR = Pattern.compile("<h2 class=\"error\">Error fetching product details!</h2>\\s*"
            + "<p class=\"error\">Sorry, product details are currently unavailable for this book.</p>");
    static final Pattern REVIEWS_ERROR = Pattern.compile("<h2 class=\"error\">Error fetching product reviews!</h2>\\s*"
            + "<p class=\"error\">Sorry, product reviews are currently unavailable for this book.</p>");

    private static String page() {
        return given().get("/productpage").then().statusCode(200).extract().asString();
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Test
    void details500ShowsTheDetailsFallbackAndStillTheReviews() {
        FakeUpstreams.details.answer(500, "{\"error\":\"boom\"}");
        String html = page();
        assertTrue(DETAILS_ERROR.matcher(html).find(), html);
        assertTrue(html.contains("The slapstick humour is refreshing!"));
        assertEquals(1, FakeUpstreams.details.requestCount(), "details is tried once");
    }

    @Test
    void reviews500IsTriedTwiceThenShowsTheReviewsFallback() {
        FakeUpstreams.reviews.answer(500, "{\"error\":\"boom\"}");
        String html = page();
        assertTrue(REVIEWS_ERROR.matcher(html).find(), html);
        assertTrue(html.contains("<dd class=\"type\">paperback</dd>"));
        assertEquals(2, FakeUpstreams.reviews.requestCount(), "reviews is tried twice");
    }

    @Test
    void refusedConnectionsShowBothFallbacks() {
        FakeUpstreams.details.refuseConnections();
        FakeUpstreams.reviews.refuseConnections();
        String html = page();
        assertTrue(DETAILS_ERROR.matcher(html).find(), html);
        assertTrue(REVIEWS_ERROR.matcher(html).find(), html);
    }

    @Test
    void aStalledReviewsIsGivenUpAfterTwoTimedOutTries() {
        FakeUpstreams.reviews.stall();
        long start = System.nanoTime();
        String html = page();
        long millis = millisSince(start);
        assertTrue(REVIEWS_ERROR.matcher(html).find(), html);
        assertEquals(2, FakeUpstreams.reviews.requestCount(), "reviews is tried twice");
        // The lower bound proves each try waited its timeout; the request count proves the tries;
        // the upper bound only that it gave up (loose: a loaded 2-core machine adds seconds).
        assertTrue(millis >= 2000 && millis < 8000, "2 tries x 1 s, took " + millis + " ms");
    }

    @Test
    void aStalledDetailsIsGivenUpAfterOneTimedOutTry() {
        FakeUpstreams.details.stall();
        long start = System.nanoTime();
        String html = page();
        long millis = millisSince(start);
        assertTrue(DETAILS_ERROR.matcher(html).find(), html);
        assertEquals(1, FakeUpstreams.details.requestCount());
        assertTrue(millis >= 1000 && millis < 5000, "1 try x 1 s, took " + millis + " ms");
    }

    @Test
    void theReviewsBreakerOpensAndServesTheFallbackWithoutCallingReviews() {
        FakeUpstreams.reviews.answer(500, "{\"error\":\"boom\"}");
        page(); // 2 failed calls
        page(); // 4 failed calls: the breaker opens
        assertEquals(4, FakeUpstreams.reviews.requestCount());
        assertEquals(CircuitBreakerState.OPEN, breakers.currentState(ReviewsClient.BREAKER));
        assertEquals(CircuitBreakerState.CLOSED, breakers.currentState(DetailsClient.BREAKER));

        FakeUpstreams.reviews.answer(200, FakeUpstreams.blackStarReviews()).clearReceived();
        long start = System.nanoTime();
        String html = page();
        assertTrue(REVIEWS_ERROR.matcher(html).find(), "open breaker serves the fallback although reviews is healthy");
        assertEquals(0, FakeUpstreams.reviews.requestCount(), "open breaker does not call reviews");
        assertTrue(millisSince(start) < 1000, "fails fast: " + millisSince(start) + " ms");
    }

    @Test
    void theDetailsBreakerOpensAndServesTheFallbackWithoutCallingDetails() {
        FakeUpstreams.details.answer(503, "{\"error\":\"Service unavailable\"}");
        for (int i = 0; i < 4; i++) {
            page();
        }
        assertEquals(4, FakeUpstreams.details.requestCount());
        assertEquals(CircuitBreakerState.OPEN, breakers.currentState(DetailsClient.BREAKER));

        FakeUpstreams.details.answer(200, FakeUpstreams.DETAILS).clearReceived();
        String html = page();
        assertTrue(DETAILS_ERROR.matcher(html).find());
        assertEquals(0, FakeUpstreams.details.requestCount());
        assertTrue(html.contains("The slapstick humour is refreshing!"), "reviews has its own breaker");
    }
}
