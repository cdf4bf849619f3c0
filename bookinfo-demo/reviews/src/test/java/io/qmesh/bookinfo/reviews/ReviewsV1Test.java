package io.qmesh.bookinfo.reviews;

import static io.qmesh.bookinfo.reviews.ExpectedReviews.body;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@WithTestResource(FakeRatings.class)
@TestProfile(ReviewsV1Test.V1.class)
class ReviewsV1Test {

    public static class V1 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("bookinfo.reviews.service-version", "v1");
        }
    }

    @Test
    void v1ShowsNoRatingsAndNeverCallsRatings() {
        given().get("/reviews/0").then().statusCode(200).body(equalTo(body("0", null, null)));
        assertEquals(0, FakeRatings.ratings.requestCount());
    }
}
