package io.qmesh.bookinfo.productpage.web;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.qmesh.bookinfo.productpage.upstream.UpstreamResponse;

/** What the product page template shows, taken apart from the details and reviews JSON. */
public record ProductPageView(Product product, String user, Details details, Reviews reviews) {

    public record Details(boolean available, String error, String type, String pages, String publisher,
            String language, String isbn10, String isbn13) {

        static Details from(UpstreamResponse response) {
            JsonNode d = response.body();
            if (!response.available()) {
                return new Details(false, response.error(), "", "", "", "", "", "");
            }
            return new Details(true, "", d.path("type").asText(), d.path("pages").asText(), d.path("publisher").asText(),
                    d.path("language").asText(), d.path("ISBN-10").asText(), d.path("ISBN-13").asText());
        }
    }

    public record Reviews(boolean available, String error, String podname, List<Review> reviews) {

        static Reviews from(UpstreamResponse response) {
            if (!response.available()) {
                return new Reviews(false, response.error(), "", List.of());
            }
            List<Review> reviews = new ArrayList<>();
            for (JsonNode review : response.body().path("reviews")) {
                reviews.add(Review.from(review));
            }
            return new Reviews(true, "", response.body().path("podname").asText(), reviews);
        }
    }

    /**
     * A review; {@code stars} is -1 when the review carries no rating (reviews v1), and
     * {@code ratingError} is set when reviews could not get the rating.
     */
    public record Review(String reviewer, String text, int stars, String color, String ratingError) {

        static Review from(JsonNode review) {
            JsonNode rating = review.path("rating");
            int stars = rating.path("stars").isIntegralNumber() ? Math.max(0, Math.min(5, rating.path("stars").asInt())) : -1;
            String color = rating.path("color").asText("black");
            return new Review(review.path("reviewer").asText(), review.path("text").asText(), stars,
                    color.matches("[a-z]{1,20}") ? color : "black", rating.path("error").asText(""));
        }

        public boolean rated() {
            return stars >= 0;
        }

        /** Five slots, true for a full star: the template draws full and empty stars from it. */
        public List<Boolean> starSlots() {
            if (stars < 0) {
                return Collections.emptyList();
            }
            List<Boolean> slots = new ArrayList<>(5);
            for (int i = 0; i < 5; i++) {
                slots.add(i < stars);
            }
            return slots;
        }
    }
}
