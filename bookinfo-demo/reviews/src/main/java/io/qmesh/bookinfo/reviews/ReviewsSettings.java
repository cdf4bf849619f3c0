package io.qmesh.bookinfo.reviews;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;

import io.qmesh.bookinfo.common.ServiceEndpoint;

/** The validated settings of one reviews instance, derived once at startup from {@link ReviewsConfig}. */
public record ReviewsSettings(
        String version,
        boolean ratingsEnabled,
        String starColor,
        ServiceEndpoint ratings,
        String podName,
        String clusterName) {

    /** Istio's reviews waits 10 s for ratings when its stars are black (v2) and 2.5 s otherwise (v3). */
    static final Duration BLACK_STARS_RATINGS_TIMEOUT = Duration.ofSeconds(10);
    static final Duration OTHER_STARS_RATINGS_TIMEOUT = Duration.ofMillis(2500);

    public static ReviewsSettings from(ReviewsConfig config) {
        String version = config.serviceVersion().trim().toLowerCase(Locale.ROOT);
        boolean ratingsEnabled = config.enableRatings().orElse(!version.equals("v1"));
        String color = config.starColor().filter(c -> !c.isBlank())
                .orElse(version.equals("v3") ? "red" : "black").trim().toLowerCase(Locale.ROOT);
        if (!color.matches("[a-z]{1,20}")) {
            throw new IllegalArgumentException(
                    "STAR_COLOR: '" + config.starColor().orElse("") + "' (expected: a CSS colour name such as black or red)");
        }
        ServiceEndpoint ratings = ServiceEndpoint.of(config.ratingsHostname(), config.servicesDomain(),
                config.ratingsServicePort());
        String podName = config.podName().filter(p -> !p.isBlank()).orElseGet(ReviewsSettings::localHostName);
        return new ReviewsSettings(version, ratingsEnabled, color, ratings, podName, config.clusterName().orElse(""));
    }

    public Duration ratingsTimeout() {
        return starColor.equals("black") ? BLACK_STARS_RATINGS_TIMEOUT : OTHER_STARS_RATINGS_TIMEOUT;
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}
