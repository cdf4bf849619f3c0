package io.qmesh.bookinfo.productpage;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The one test at the shipped settings (the prod profile: 3 s per try, reviews tried twice), which is
 * what Istio's delay-injection walkthrough relies on: a stalled reviews shows its fallback after about 6 s.
 */
@QuarkusTest
@WithTestResource(FakeUpstreams.class)
@TestProfile(ProductPageRealTimeoutTest.ShippedSettings.class)
class ProductPageRealTimeoutTest {

    public static class ShippedSettings implements QuarkusTestProfile {
        @Override
        public String getConfigProfile() {
            return "prod";
        }
    }

    @Test
    void aStalledReviewsShowsTheFallbackAfterTwoTriesOfThreeSeconds() {
        FakeUpstreams.answerNormally();
        // Warm up (first render, first connections) so the measurement is of the timeouts alone.
        given().get("/productpage").then().statusCode(200);
        FakeUpstreams.answerNormally();
        FakeUpstreams.reviews.stall();
        long start = System.nanoTime();
        String html;
        int reviewsCalls;
        try {
            html = given().get("/productpage").then().statusCode(200).extract().asString();
            reviewsCalls = FakeUpstreams.reviews.requestCount();
        } finally {
            FakeUpstreams.answerNormally();
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(html.contains("Sorry, product reviews are currently unavailable for this book."), html);
        assertTrue(html.contains("<dd class=\"type\">paperback</dd>"));
        assertEquals(2, reviewsCalls, "reviews is tried twice");
        // At least two full tries; well under the 9 s a third try would take.
        assertTrue(millis >= 6000 && millis < 8500, "expected about 6 s, took " + millis + " ms");
    }
}
