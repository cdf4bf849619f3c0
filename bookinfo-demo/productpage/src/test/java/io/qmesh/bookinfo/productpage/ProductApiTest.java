package io.qmesh.bookinfo.productpage;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(FakeUpstreams.class)
class ProductApiTest extends FakePeersTest {

    @Test
    void productsListIsByteForByteBookinfos() {
        given().get("/api/v1/products").then().statusCode(200).contentType(startsWith("application/json"))
                .body(equalTo("[{\"id\":0,\"title\":\"The Comedy of Errors\",\"descriptionHtml\":"
                        + "\"<a href=\\\"https://en.wikipedia.org/wiki/The_Comedy_of_Errors\\\">Wikipedia Summary</a>: "
                        + "The Comedy of Errors is one of <b>William Shakespeare's</b> early plays. It is his shortest "
                        + "and one of his most farcical comedies, with a major part of the humour coming from "
                        + "slapstick and mistaken identity, in addition to puns and word play.\"}]"));
    }

    @Test
    void peerJsonIsPassedThroughUnchanged() {
        given().get("/api/v1/products/0").then().statusCode(200).contentType(startsWith("application/json"))
                .body(equalTo(FakeUpstreams.DETAILS));
        given().get("/api/v1/products/0/reviews").then().statusCode(200)
                .body(equalTo(FakeUpstreams.blackStarReviews()));
        given().get("/api/v1/products/0/ratings").then().statusCode(200)
                .body(equalTo(FakeUpstreams.RATINGS));
        given().get("/api/v1/products/5").then().statusCode(200);
        assertEquals("/details/5", FakeUpstreams.details.received().get(1).uri());
    }

    @Test
    void failedPeersGiveTheFallbackTextsWithThePeersStatusOr500() {
        FakeUpstreams.details.answer(503, "{\"error\":\"Service unavailable\"}");
        given().get("/api/v1/products/0").then().statusCode(503)
                .body(equalTo("{\"error\":\"Sorry, product details are currently unavailable for this book.\"}"));

        FakeUpstreams.reviews.refuseConnections();
        given().get("/api/v1/products/0/reviews").then().statusCode(500)
                .body(equalTo("{\"error\":\"Sorry, product reviews are currently unavailable for this book.\"}"));

        FakeUpstreams.ratings.stall();
        given().get("/api/v1/products/0/ratings").then().statusCode(500)
                .body(equalTo("{\"error\":\"Sorry, product ratings are currently unavailable for this book.\"}"));
        assertEquals(1, FakeUpstreams.ratings.requestCount(), "ratings is tried once");
    }

    @Test
    void nonNumericIdsAre400WithoutCallingPeers() {
        for (String path : new String[] { "/api/v1/products/x", "/api/v1/products/x/reviews", "/api/v1/products/1.0/ratings" }) {
            given().get(path).then().statusCode(400).body(equalTo("{\"error\":\"please provide numeric product id\"}"));
        }
        assertEquals(0, FakeUpstreams.details.requestCount() + FakeUpstreams.reviews.requestCount()
                + FakeUpstreams.ratings.requestCount());
    }
}
