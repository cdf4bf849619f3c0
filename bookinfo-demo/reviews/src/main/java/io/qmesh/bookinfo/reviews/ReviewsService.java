package io.qmesh.bookinfo.reviews;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.qmesh.bookinfo.common.OutboundHttp;
import io.qmesh.bookinfo.common.OutboundResponse;
import io.qmesh.bookinfo.reviews.ReviewsDocument.Rating;
import io.qmesh.bookinfo.reviews.ReviewsDocument.RatingError;
import io.qmesh.bookinfo.reviews.ReviewsDocument.Review;
import io.qmesh.bookinfo.reviews.ReviewsDocument.Stars;
import io.quarkus.runtime.Startup;

/** Builds the reviews of a product, asking ratings for the stars when this instance shows them. */
@Startup
@Singleton
public class ReviewsService {

    private static final Logger LOG = Logger.getLogger(ReviewsService.class);

    /** The two reviews of the book, in order: reviewer and text. */
    static final List<Map.Entry<String, String>> REVIEWS = List.of(
            Map.entry("Reviewer1", "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"),
            Map.entry("Reviewer2", "Absolutely fun and entertaining. The play lacks thematic depth when compared "
                    + "to other plays by Shakespeare."));

    private final ReviewsSettings settings;
    private final OutboundHttp http;
    private final ObjectMapper json;

    public ReviewsService(ReviewsConfig config, OutboundHttp http, ObjectMapper json) {
        this.settings = ReviewsSettings.from(config);
        this.http = http;
        this.json = json;
        LOG.infof("reviews %s: ratings %s, %s stars, ratings at %s (timeout %d ms)%s", settings.version(),
                settings.ratingsEnabled() ? "enabled" : "disabled", settings.starColor(),
                settings.ratings().authority(), settings.ratingsTimeout().toMillis(),
                http.proxy().map(p -> ", via proxy " + p).orElse(""));
    }

    public ReviewsSettings settings() {
        return settings;
    }

    /** The reviews document; ratings failures become per-review errors, never a failed response. */
    public ReviewsDocument reviews(int productId, Map<String, String> forwardedHeaders) throws InterruptedException {
        Map<String, Integer> stars = settings.ratingsEnabled()
                ? fetchRatings(productId, forwardedHeaders).orElse(Collections.emptyMap())
                : Collections.emptyMap();
        List<Review> reviews = new ArrayList<>();
        for (Map.Entry<String, String> review : REVIEWS) {
            reviews.add(new Review(review.getKey(), review.getValue(), rating(stars.get(review.getKey()))));
        }
        return new ReviewsDocument(Integer.toString(productId), settings.podName(), settings.clusterName(), reviews);
    }

    private Rating rating(Integer stars) {
        if (!settings.ratingsEnabled()) {
            return null;
        }
        return stars == null ? RatingError.UNAVAILABLE : new Stars(stars, settings.starColor());
    }

    /** Reviewer name to stars, or empty when ratings did not answer 200 with a ratings object in time. */
    private Optional<Map<String, Integer>> fetchRatings(int productId, Map<String, String> forwardedHeaders)
            throws InterruptedException {
        try {
            OutboundResponse response = http.get(settings.ratings(), "/ratings/" + productId, forwardedHeaders,
                    settings.ratingsTimeout());
            if (!response.isOk()) {
                LOG.debugf("ratings answered %d", response.status());
                return Optional.empty();
            }
            JsonNode ratings = json.readTree(response.body()).path("ratings");
            Map<String, Integer> stars = new HashMap<>();
            ratings.fields().forEachRemaining(field -> {
                if (field.getValue().isIntegralNumber()) {
                    stars.put(field.getKey(), field.getValue().intValue());
                }
            });
            return Optional.of(stars);
        } catch (IOException e) {
            LOG.debugf("ratings call failed: %s", e.toString());
            return Optional.empty();
        }
    }
}
