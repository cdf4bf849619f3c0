package io.qmesh.bookinfo.ratings;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class RatingsResourceTest {

    @Test
    void healthIsBookinfosExactBody() {
        given().get("/health").then().statusCode(200)
                .contentType(startsWith("application/json"))
                .body(equalTo("{\"status\":\"Ratings is healthy\"}"));
    }

    @Test
    void defaultRatingsAreByteForByteIstios() {
        given().get("/ratings/0").then().statusCode(200)
                .contentType(startsWith("application/json"))
                .body(equalTo("{\"id\":0,\"ratings\":{\"Reviewer1\":5,\"Reviewer2\":4}}"));
        given().get("/ratings/12").then().statusCode(200)
                .body(equalTo("{\"id\":12,\"ratings\":{\"Reviewer1\":5,\"Reviewer2\":4}}"));
    }

    @Test
    void postReplacesTheRatingsOfThatProductOnly() {
        given().body("{\"Reviewer1\":1,\"Reviewer2\":2,\"Reviewer3\":3}").contentType("application/json")
                .post("/ratings/7").then().statusCode(200)
                .body(equalTo("{\"id\":7,\"ratings\":{\"Reviewer1\":1,\"Reviewer2\":2,\"Reviewer3\":3}}"));
        given().get("/ratings/7").then().statusCode(200)
                .body(equalTo("{\"id\":7,\"ratings\":{\"Reviewer1\":1,\"Reviewer2\":2,\"Reviewer3\":3}}"));
        given().get("/ratings/8").then().statusCode(200)
                .body(equalTo("{\"id\":8,\"ratings\":{\"Reviewer1\":5,\"Reviewer2\":4}}"));
    }

    @Test
    void postWithInvalidJsonIsRejectedAndKeepsTheOldRatings() {
        for (String body : new String[] { "", "not json", "[1,2]", "{\"Reviewer1\":\"five\"}", "{\"Reviewer1\":4.5}" }) {
            given().body(body).contentType("application/json").post("/ratings/9").then().statusCode(400)
                    .body(equalTo("{\"error\":\"please provide valid ratings JSON\"}"));
        }
        given().get("/ratings/9").then().statusCode(200)
                .body(equalTo("{\"id\":9,\"ratings\":{\"Reviewer1\":5,\"Reviewer2\":4}}"));
    }

    @Test
    void nonNumericIdsGetBookinfos400Body() {
        for (String id : new String[] { "abc", "0x1", "1e3" }) {
            given().get("/ratings/" + id).then().statusCode(400)
                    .contentType(startsWith("application/json"))
                    .body(equalTo("{\"error\":\"please provide numeric product ID\"}"));
            given().body("{}").post("/ratings/" + id).then().statusCode(400)
                    .body(equalTo("{\"error\":\"please provide numeric product ID\"}"));
        }
    }

    @Test
    void unknownPathsAre404() {
        given().get("/").then().statusCode(404);
        given().get("/ratings").then().statusCode(404);
        given().get("/ratings/0/extra").then().statusCode(404);
    }

    @Test
    void readinessAndPrometheusMetricsAreServed() {
        given().get("/q/health/ready").then().statusCode(200).body(containsString("\"status\": \"UP\""));
        given().get("/ratings/0").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("http_server_requests_seconds_count{"))
                .body(containsString("uri=\"/ratings/{id}\""));
    }
}
