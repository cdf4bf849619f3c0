package io.qmesh.bookinfo.details;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class DetailsResourceTest {

    @Test
    void healthIsBookinfosExactBody() {
        given().get("/health").then().statusCode(200)
                .contentType(startsWith("application/json"))
                .body(equalTo("{\"status\":\"Details is healthy\"}"));
    }

    @Test
    void detailsOfProductZeroAreByteForByteIstios() {
        given().get("/details/0").then().statusCode(200)
                .contentType(startsWith("application/json"))
                .body(equalTo("{\"id\":0,\"author\":\"William Shakespeare\",\"year\":1595,\"type\":\"paperback\","
                        + "\"pages\":200,\"publisher\":\"PublisherA\",\"language\":\"English\","
                        + "\"ISBN-10\":\"1234567890\",\"ISBN-13\":\"123-1234567890\"}"));
    }

    @Test
    void anyNumericIdIsEchoed() {
        given().get("/details/42").then().statusCode(200).body(startsWith("{\"id\":42,\"author\":"));
        given().get("/details/-3").then().statusCode(200).body(startsWith("{\"id\":-3,\"author\":"));
    }

    @Test
    void nonNumericIdsGetBookinfos400Body() {
        for (String id : new String[] { "abc", "1x", "1.5", "99999999999", "%20" }) {
            given().get("/details/" + id).then().statusCode(400)
                    .contentType(startsWith("application/json"))
                    .body(equalTo("{\"error\":\"please provide numeric product id\"}"));
        }
    }

    @Test
    void unknownPathsAre404() {
        given().get("/").then().statusCode(404);
        given().get("/details").then().statusCode(404);
        given().get("/nope/0").then().statusCode(404);
    }

    @Test
    void readinessAndPrometheusMetricsAreServed() {
        given().get("/q/health/ready").then().statusCode(200).body(containsString("\"status\": \"UP\""));
        given().get("/details/0").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("http_server_requests_seconds_count{"))
                .body(containsString("uri=\"/details/{id}\""));
    }
}
