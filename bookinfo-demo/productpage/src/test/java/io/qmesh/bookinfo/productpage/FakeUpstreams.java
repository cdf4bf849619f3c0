package io.qmesh.bookinfo.productpage;

import java.util.Map;

import io.qmesh.bookinfo.common.testing.FakeService;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Real HTTP servers standing in for details, reviews and ratings; productpage is pointed at them. */
public class FakeUpstreams implements QuarkusTestResourceLifecycleManager {

    public static final String DETAILS = "{\"id\":0,\"author\":\"William Shakespeare\",\"year\":1595,\"type\":\"paperback\","
            + "\"pages\":200,\"publisher\":\"PublisherA\",\"language\":\"English\","
            + "\"ISBN-10\":\"1234567890\",\"ISBN-13\":\"123-1234567890\"}";
    public static final String RATINGS = "{\"id\":0,\"ratings\":{\"Reviewer1\":5,\"Reviewer2\":4}}";

    public static volatile FakeService details;
    public static volatile FakeService reviews;
    public static volatile FakeService ratings;

    /** Reviews JSON as reviews v1 (ratingJson null), v2 or v3 answer it. */
    public static String reviews(String podname, String rating1, String rating2) {
        return "{\"id\":\"0\",\"podname\":\"" + podname + "\",\"clustername\":\"\",\"reviews\":["
                + "{\"reviewer\":\"Reviewer1\",\"text\":\"An extremely entertaining play by Shakespeare. "
                + "The slapstick humour is refreshing!\"" + (rating1 == null ? "" : ",\"rating\":" + rating1) + "},"
                + "{\"reviewer\":\"Reviewer2\",\"text\":\"Absolutely fun and entertaining. The play lacks thematic "
                + "depth when compared to other plays by Shakespeare.\"" + (rating2 == null ? "" : ",\"rating\":" + rating2)
                + "}]}";
    }

    public static String blackStarReviews() {
        return reviews("reviews-v2-test", "{\"stars\":5,\"color\":\"black\"}", "{\"stars\":4,\"color\":\"black\"}");
    }

    /** Every fake answers like a healthy bookinfo (reviews as v2) and forgets what it received. */
    public static void answerNormally() {
        details.answer(200, DETAILS).clearReceived();
        reviews.answer(200, blackStarReviews()).clearReceived();
        ratings.answer(200, RATINGS).clearReceived();
    }

    @Override
    public Map<String, String> start() {
        details = new FakeService();
        reviews = new FakeService();
        ratings = new FakeService();
        answerNormally();
        return Map.of(
                "bookinfo.productpage.details-hostname", "127.0.0.1",
                "bookinfo.productpage.details-service-port", Integer.toString(details.port()),
                "bookinfo.productpage.reviews-hostname", "127.0.0.1",
                "bookinfo.productpage.reviews-service-port", Integer.toString(reviews.port()),
                "bookinfo.productpage.ratings-hostname", "127.0.0.1",
                "bookinfo.productpage.ratings-service-port", Integer.toString(ratings.port()));
    }

    @Override
    public void stop() {
        details.close();
        reviews.close();
        ratings.close();
    }
}
