package io.qmesh.bookinfo.reviews;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The JSON of {@code GET /reviews/{id}}, field for field and in the order of Istio's reviews service
 * ({@code id} is a string there, and stays one here).
 */
@JsonPropertyOrder({ "id", "podname", "clustername", "reviews" })
public record ReviewsDocument(String id, String podname, String clustername, List<Review> reviews) {

    /** A review; {@code rating} is left out when ratings are disabled (v1). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({ "reviewer", "text", "rating" })
    public record Review(String reviewer, String text, Rating rating) {
    }

    /** Either the stars a reviewer gave or why they are missing. */
    public sealed interface Rating permits Stars, RatingError {
    }

    @JsonPropertyOrder({ "stars", "color" })
    public record Stars(int stars, String color) implements Rating {
    }

    public record RatingError(String error) implements Rating {
        static final RatingError UNAVAILABLE = new RatingError("Ratings service is currently unavailable");
    }
}
