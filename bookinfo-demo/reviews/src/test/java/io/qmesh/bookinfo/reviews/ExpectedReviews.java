package io.qmesh.bookinfo.reviews;

/** The exact bodies bookinfo's reviews answers, built from the rating JSON of each reviewer. */
final class ExpectedReviews {

    static final String BLACK_5 = "{\"stars\":5,\"color\":\"black\"}";
    static final String BLACK_4 = "{\"stars\":4,\"color\":\"black\"}";
    static final String UNAVAILABLE = "{\"error\":\"Ratings service is currently unavailable\"}";

    private ExpectedReviews() {
    }

    /** @param rating1 the rating JSON of Reviewer1, or null for none (v1) */
    static String body(String id, String rating1, String rating2) {
        return "{\"id\":\"" + id + "\",\"podname\":\"reviews-test\",\"clustername\":\"test-cluster\",\"reviews\":["
                + "{\"reviewer\":\"Reviewer1\",\"text\":\"An extremely entertaining play by Shakespeare. "
                + "The slapstick humour is refreshing!\"" + rating(rating1) + "},"
                + "{\"reviewer\":\"Reviewer2\",\"text\":\"Absolutely fun and entertaining. The play lacks thematic "
                + "depth when compared to other plays by Shakespeare.\"" + rating(rating2) + "}]}";
    }

    private static String rating(String json) {
        return json == null ? "" : ",\"rating\":" + json;
    }
}
