package io.qmesh.bookinfo.reviews;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@WithTestResource(FakeRatings.class)
@TestProfile(ReviewsFaultModeTest.Failing.class)
class ReviewsFaultModeTest {

    public static class Failing implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("bookinfo.fault-mode", "error");
        }
    }

    @Test
    void faultModeErrorFailsTheReviewsApiWithA500WhileHealthStaysUp() {
        given().get("/reviews/0").then().statusCode(500)
                .body(equalTo("{\"error\":\"Internal server error (FAULT_MODE=error)\"}"));
        given().get("/health").then().statusCode(200).body(equalTo("{\"status\": \"Reviews is healthy\"}"));
    }
}
