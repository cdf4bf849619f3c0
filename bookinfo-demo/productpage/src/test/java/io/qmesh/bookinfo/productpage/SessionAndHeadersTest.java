package io.qmesh.bookinfo.productpage;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.qmesh.bookinfo.common.ForwardedHeaders;
import io.qmesh.bookinfo.common.testing.FakeService;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** Login sets end-user, logout clears it, and every forwarded header reaches every peer intact. */
@QuarkusTest
@WithTestResource(FakeUpstreams.class)
class SessionAndHeadersTest extends FakePeersTest {

    private static String login(String user) {
        Response response = given().redirects().follow(false).formParam("username", user).formParam("passwd", "x")
                .post("/login");
        response.then().statusCode(302).header("Location", endsWith("/productpage"));
        String cookie = response.getCookie("session");
        assertTrue(cookie != null && !cookie.isEmpty(), "session cookie set");
        return cookie;
    }

    @Test
    void loginSendsEndUserToDetailsAndReviewsAndLogoutStopsIt() {
        String session = login("jason");
        String html = given().cookie("session", session).get("/productpage").then().statusCode(200)
                .extract().asString();
        assertTrue(html.contains("Signed in as <b class=\"user\">jason</b>"), html);
        assertEquals("jason", FakeUpstreams.details.received().get(0).headers().get("end-user"));
        assertEquals("jason", FakeUpstreams.reviews.received().get(0).headers().get("end-user"));

        Response logout = given().redirects().follow(false).cookie("session", session).get("/logout");
        logout.then().statusCode(302).header("Location", endsWith("/productpage"));
        assertEquals("", logout.getDetailedCookie("session").getValue());
        assertEquals(0, logout.getDetailedCookie("session").getMaxAge());

        FakeUpstreams.answerNormally();
        String after = given().get("/productpage").then().statusCode(200).extract().asString();
        assertTrue(after.contains("name=\"username\""), "sign-in form is back");
        assertFalse(FakeUpstreams.reviews.received().get(0).headers().containsKey("end-user"));
    }

    @Test
    void endUserAlsoReachesPeersThroughTheApi() {
        String session = login("jason");
        given().cookie("session", session).get("/api/v1/products/0/reviews").then().statusCode(200);
        given().cookie("session", session).get("/api/v1/products/0/ratings").then().statusCode(200);
        assertEquals("jason", FakeUpstreams.reviews.received().get(0).headers().get("end-user"));
        assertEquals("jason", FakeUpstreams.ratings.received().get(0).headers().get("end-user"));
    }

    @Test
    void aForgedSessionOrABrowserSentEndUserIsIgnored() {
        String session = login("jason");
        String forged = session.replaceFirst("^[^.]+", "YWRtaW4"); // "admin" with jason's signature
        given().cookie("session", forged).header("end-user", "admin").get("/productpage").then().statusCode(200);
        assertFalse(FakeUpstreams.reviews.received().get(0).headers().containsKey("end-user"));
    }

    @Test
    void invalidUserNamesAreRejectedNamingTheField() {
        given().redirects().follow(false).formParam("username", "").post("/login").then().statusCode(400)
                .body(equalTo("username: '' (expected: 1 to 64 printable ASCII characters without spaces)"));
        given().redirects().follow(false).formParam("username", "a b").post("/login").then().statusCode(400)
                .body(containsString("username: 'a b'"));
        given().redirects().follow(false).formParam("username", "x".repeat(65)).post("/login").then().statusCode(400);
    }

    @Test
    void everyForwardedHeaderReachesDetailsAndReviewsIntact() {
        String session = login("jason");
        Map<String, String> sent = new LinkedHashMap<>();
        for (String name : ForwardedHeaders.NAMES) {
            sent.put(name, "value-of-" + name);
        }
        sent.put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        sent.put("cookie", "session=" + session + "; theme=dark");
        RequestSpecification request = given().header("x-not-forwarded", "nope");
        sent.forEach(request::header);
        request.get("/productpage").then().statusCode(200).body(containsString("jason"));

        for (FakeService peer : List.of(FakeUpstreams.details, FakeUpstreams.reviews)) {
            FakeService.Received call = peer.received().get(0);
            sent.forEach((name, value) -> assertEquals(value, call.headers().get(name), name));
            assertEquals("jason", call.headers().get("end-user"));
            assertFalse(call.headers().containsKey("x-not-forwarded"));
        }
    }
}
