package io.qmesh.bookinfo.reviews;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class ReviewsSettingsTest {

    private static ReviewsConfig config(String version, Optional<Boolean> enable, Optional<String> color) {
        return new ReviewsConfig() {
            public String serviceVersion() { return version; }
            public Optional<Boolean> enableRatings() { return enable; }
            public Optional<String> starColor() { return color; }
            public String ratingsHostname() { return "ratings"; }
            public int ratingsServicePort() { return 9080; }
            public Optional<String> servicesDomain() { return Optional.of("default.svc.cluster.local"); }
            public Optional<String> podName() { return Optional.of("reviews-v2-abc"); }
            public Optional<String> clusterName() { return Optional.empty(); }
        };
    }

    @Test
    void theVersionPicksIstiosDefaults() {
        ReviewsSettings v1 = ReviewsSettings.from(config("v1", Optional.empty(), Optional.empty()));
        assertFalse(v1.ratingsEnabled());
        ReviewsSettings v2 = ReviewsSettings.from(config("v2", Optional.empty(), Optional.empty()));
        assertTrue(v2.ratingsEnabled());
        assertEquals("black", v2.starColor());
        ReviewsSettings v3 = ReviewsSettings.from(config("V3", Optional.empty(), Optional.empty()));
        assertTrue(v3.ratingsEnabled());
        assertEquals("red", v3.starColor());
        assertEquals("ratings.default.svc.cluster.local:9080", v3.ratings().authority());
        assertEquals("reviews-v2-abc", v3.podName());
        assertEquals("", v3.clusterName());
    }

    @Test
    void explicitVariablesWinOverTheVersion() {
        ReviewsSettings s = ReviewsSettings.from(config("v1", Optional.of(true), Optional.of("Red")));
        assertTrue(s.ratingsEnabled());
        assertEquals("red", s.starColor());
        assertFalse(ReviewsSettings.from(config("v3", Optional.of(false), Optional.empty())).ratingsEnabled());
    }

    @Test
    void ratingsTimeoutIsTenSecondsForBlackStarsAndTwoAndAHalfOtherwise() {
        assertEquals(Duration.ofSeconds(10),
                ReviewsSettings.from(config("v2", Optional.empty(), Optional.empty())).ratingsTimeout());
        assertEquals(Duration.ofMillis(2500),
                ReviewsSettings.from(config("v3", Optional.empty(), Optional.empty())).ratingsTimeout());
        assertEquals(Duration.ofMillis(2500),
                ReviewsSettings.from(config("v2", Optional.empty(), Optional.of("blue"))).ratingsTimeout());
    }

    @Test
    void aStarColourThatIsNotAColourNameStopsStartup() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReviewsSettings.from(config("v2", Optional.empty(), Optional.of("red\"><script>"))));
        assertEquals("STAR_COLOR: 'red\"><script>' (expected: a CSS colour name such as black or red)", e.getMessage());
    }
}
