package io.qmesh.bookinfo.reviews;

import static io.qmesh.bookinfo.reviews.ExpectedReviews.BLACK_4;
import static io.qmesh.bookinfo.reviews.ExpectedReviews.BLACK_5;
import static io.qmesh.bookinfo.reviews.ExpectedReviews.UNAVAILABLE;
import static io.qmesh.bookinfo.reviews.ExpectedReviews.body;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.qmesh.bookinfo.common.ForwardedHeaders;
import io.qmesh.bookinfo.common.testing.FakeService;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;

@QuarkusTest
@WithTestResource(FakeRatings.class)
class ReviewsV2Test {

    @BeforeEach
    void ratingsAnswersLikeIstio() {
        FakeRatings.ratings.answer(200, FakeRatings.ISTIO_RATINGS).clearReceived();
    }

    @Test
    void healthIsBookinfosExactBodyWithItsSpace() {
        given().get("/health").then().statusCode(200)
                .contentType(startsWith("application/json"))
                .body(equalTo("{\"status\": \"Reviews is healthy\"}"));
    }

    @Test
    void v2ShowsBlackStarsFromRatingsByteForByte() {
        given().get("/reviews/0").then().statusCode(200)
                .contentType(startsWith("application/json"))
                .body(equalTo(body("0", BLACK_5, BLACK_4)));
        assertEquals("/ratings/0", FakeRatings.ratings.received().get(0).uri());
    }

    @Test
    void starsFollowWhatRatingsAnswers() {
        FakeRatings.ratings.answer(200, "{\"id\":3,\"ratings\":{\"Reviewer2\":1}}");
        given().get("/reviews/3").then().statusCode(200)
                .body(equalTo(body("3", UNAVAILABLE, "{\"stars\":1,\"color\":\"black\"}")));
        assertEquals("/ratings/3", FakeRatings.ratings.received().get(0).uri());
    }

    @Test
    void ratingsAnswering500MakesEachRatingAnError() {
        FakeRatings.ratings.answer(500, "{\"error\":\"boom\"}");
        given().get("/reviews/0").then().statusCode(200).body(equalTo(body("0", UNAVAILABLE, UNAVAILABLE)));
        FakeRatings.ratings.answer(503, "{\"error\":\"Service unavailable\"}");
        given().get("/reviews/0").then().statusCode(200).body(equalTo(body("0", UNAVAILABLE, UNAVAILABLE)));
    }

    @Test
    void ratingsRefusingConnectionsMakesEachRatingAnError() {
        FakeRatings.ratings.refuseConnections();
        given().get("/reviews/0").then().statusCode(200).body(equalTo(body("0", UNAVAILABLE, UNAVAILABLE)));
    }

    @Test
    void ratingsAnsweringGarbageMakesEachRatingAnError() {
        FakeRatings.ratings.answer(200, "not json");
        given().get("/reviews/0").then().statusCode(200).body(equalTo(body("0", UNAVAILABLE, UNAVAILABLE)));
    }

    @Test
    void everyForwardedHeaderAndEndUserReachRatingsIntact() {
        Map<String, String> sent = new LinkedHashMap<>();
        for (String name : ForwardedHeaders.NAMES) {
            sent.put(name, "value-of-" + name);
        }
        sent.put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        sent.put("end-user", "jason");
        RequestSpecification request = given().header("x-not-forwarded", "nope");
        sent.forEach(request::header);
        request.get("/reviews/0").then().statusCode(200);

        FakeService.Received call = FakeRatings.ratings.received().get(0);
        sent.forEach((name, value) -> assertEquals(value, call.headers().get(name), name));
        assertFalse(call.headers().containsKey("x-not-forwarded"));
    }

    @Test
    void nonNumericIdIs400AndRatingsIsNotCalled() {
        given().get("/reviews/abc").then().statusCode(400)
                .body(equalTo("{\"error\":\"please provide numeric product id\"}"));
        assertEquals(0, FakeRatings.ratings.requestCount());
    }

    @Test
    void unknownPathsAre404() {
        given().get("/").then().statusCode(404);
        given().get("/reviews").then().statusCode(404);
        given().get("/ratings/0").then().statusCode(404);
    }

    @Test
    void readinessAndPrometheusMetricsAreServed() {
        given().get("/q/health/ready").then().statusCode(200).body(containsString("\"status\": \"UP\""));
        given().get("/reviews/0").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("uri=\"/reviews/{id}\""));
    }
}
