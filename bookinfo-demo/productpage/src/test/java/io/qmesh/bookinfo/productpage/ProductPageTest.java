package io.qmesh.bookinfo.productpage;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The HTML page against fake peers that answer; failures are in {@link ProductPageResilienceTest}. */
@QuarkusTest
@WithTestResource(FakeUpstreams.class)
class ProductPageTest extends FakePeersTest {

    static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    @Test
    void healthIsBookinfosText() {
        given().get("/health").then().statusCode(200).body(equalTo("Product page is healthy"));
    }

    @Test
    void indexPagesLinkToTheProductPage() {
        for (String path : new String[] { "/", "/index.html" }) {
            given().get(path).then().statusCode(200).contentType(startsWith("text/html"))
                    .body(containsString("href=\"/productpage?u=normal\""));
        }
    }

    @Test
    void productPageShowsBookDetailsAndBlackStarsFromReviewsV2() {
        String html = given().get("/productpage").then().statusCode(200).contentType(startsWith("text/html"))
                .extract().asString();
        assertTrue(html.contains("<h1 class=\"title\">The Comedy of Errors</h1>"), html);
        assertTrue(html.contains("<b>William Shakespeare&#39;s</b>") || html.contains("<b>William Shakespeare's</b>"), html);
        assertTrue(html.contains("<dd class=\"type\">paperback</dd>"), html);
        assertTrue(html.contains("<dd class=\"pages\">200</dd>"), html);
        assertTrue(html.contains("<dd class=\"publisher\">PublisherA</dd>"), html);
        assertTrue(html.contains("<dd class=\"language\">English</dd>"), html);
        assertTrue(html.contains("<dd class=\"isbn-10\">1234567890</dd>"), html);
        assertTrue(html.contains("<dd class=\"isbn-13\">123-1234567890</dd>"), html);
        assertTrue(html.contains("An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"));
        assertTrue(html.contains("<footer class=\"reviewer\">Reviewer2</footer>"));
        assertEquals(2, count(html, "class=\"stars stars-black\""));
        assertEquals(9, count(html, "star star-full"));
        assertEquals(1, count(html, "star star-empty"));
        assertTrue(html.contains("Reviews served by: <u>reviews-v2-test</u>"));
        assertEquals(0, count(html, "Error fetching"));
        assertEquals("/details/0", FakeUpstreams.details.received().get(0).uri());
        assertEquals("/reviews/0", FakeUpstreams.reviews.received().get(0).uri());
        assertEquals(1, FakeUpstreams.reviews.requestCount());
        assertEquals(0, FakeUpstreams.ratings.requestCount());
    }

    @Test
    void reviewsV1ShowsNoStarsAndV3RedStars() {
        FakeUpstreams.reviews.answer(200, FakeUpstreams.reviews("reviews-v1-test", null, null));
        String v1 = given().get("/productpage").then().statusCode(200).extract().asString();
        assertEquals(0, count(v1, "class=\"stars"));
        assertEquals(0, count(v1, "class=\"star "));
        assertTrue(v1.contains("The slapstick humour is refreshing!"));

        FakeUpstreams.reviews.answer(200, FakeUpstreams.reviews("reviews-v3-test",
                "{\"stars\":5,\"color\":\"red\"}", "{\"stars\":4,\"color\":\"red\"}"));
        String v3 = given().get("/productpage").then().statusCode(200).extract().asString();
        assertEquals(2, count(v3, "class=\"stars stars-red\""));
        assertEquals(0, count(v3, "stars-black"));
        assertEquals(9, count(v3, "star star-full"));
    }

    @Test
    void aRatingErrorFromReviewsIsShownInsteadOfStars() {
        String error = "{\"error\":\"Ratings service is currently unavailable\"}";
        FakeUpstreams.reviews.answer(200, FakeUpstreams.reviews("reviews-v2-test", error, error));
        String html = given().get("/productpage").then().statusCode(200).extract().asString();
        assertEquals(2, count(html, "<p class=\"rating-error\">Ratings service is currently unavailable</p>"));
        assertEquals(0, count(html, "class=\"stars"));
    }

    @Test
    void peerTextIsEscapedInThePage() {
        FakeUpstreams.reviews.answer(200, FakeUpstreams.reviews("<script>x</script>", null, null));
        String html = given().get("/productpage").then().statusCode(200).extract().asString();
        assertTrue(html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assertEquals(0, count(html, "<script>"));
    }

    @Test
    void staticStylesheetIsServed() {
        given().get("/static/bookinfo.css").then().statusCode(200).body(containsString(".stars"));
    }

    @Test
    void unknownPathsAre404() {
        given().get("/nope").then().statusCode(404);
        given().get("/api/v1/nope").then().statusCode(404);
        given().get("/api/v1/products/0/nope").then().statusCode(404);
    }

    @Test
    void readinessAndPrometheusMetricsAreServed() {
        given().get("/q/health/ready").then().statusCode(200).body(containsString("\"status\": \"UP\""));
        given().get("/productpage").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("uri=\"/productpage\""));
    }
}
