package io.qmesh.bookinfo.reviews;

import static io.qmesh.bookinfo.reviews.ExpectedReviews.UNAVAILABLE;
import static io.qmesh.bookinfo.reviews.ExpectedReviews.body;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@WithTestResource(FakeRatings.class)
@TestProfile(ReviewsV3Test.V3.class)
class ReviewsV3Test {

    public static class V3 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("bookinfo.reviews.service-version", "v3");
        }
    }

    @Test
    void v3ShowsRedStars() {
        FakeRatings.ratings.answer(200, FakeRatings.ISTIO_RATINGS);
        given().get("/reviews/0").then().statusCode(200).body(equalTo(
                body("0", "{\"stars\":5,\"color\":\"red\"}", "{\"stars\":4,\"color\":\"red\"}")));
    }

    @Test
    void v3GivesUpOnAStalledRatingsAfterTwoAndAHalfSeconds() {
        FakeRatings.ratings.stall();
        long start = System.nanoTime();
        try {
            given().get("/reviews/0").then().statusCode(200).body(equalTo(body("0", UNAVAILABLE, UNAVAILABLE)));
        } finally {
            FakeRatings.ratings.answer(200, FakeRatings.ISTIO_RATINGS);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        // The upper bound only has to tell v3's 2.5 s from v2's 10 s; it is loose because the
        // first request of a test JVM on a loaded 2-core machine can take seconds by itself.
        assertTrue(millis >= 2400 && millis < 9000, "answered after " + millis + " ms");
    }
}
