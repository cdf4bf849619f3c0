package io.qmesh.bookinfo.ratings;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(RatingsUnavailableTest.Unavailable.class)
class RatingsUnavailableTest {

    public static class Unavailable implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("bookinfo.fault-mode", "unavailable");
        }
    }

    @Test
    void unavailableRatingsAnswer503WithBookinfosBodyWhileHealthStaysUp() {
        given().get("/ratings/0").then().statusCode(503).body(equalTo("{\"error\":\"Service unavailable\"}"));
        given().body("{\"Reviewer1\":1}").post("/ratings/0").then().statusCode(503)
                .body(equalTo("{\"error\":\"Service unavailable\"}"));
        given().get("/health").then().statusCode(200).body(equalTo("{\"status\":\"Ratings is healthy\"}"));
    }
}
