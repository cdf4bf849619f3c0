package io.qmesh.bookinfo.productpage;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/**
 * productpage's settings, all with their defaults in {@code application.properties} (which maps Istio's
 * {@code DETAILS_HOSTNAME}, {@code SERVICES_DOMAIN}, ... onto them). The fault-tolerance values are
 * also read by SmallRye Fault Tolerance through the {@code Timeout/value}, {@code Retry/maxRetries} and
 * {@code CircuitBreaker/*} keys there.
 */
@ConfigMapping(prefix = "bookinfo.productpage")
public interface ProductPageConfig {

    String detailsHostname();

    int detailsServicePort();

    String reviewsHostname();

    int reviewsServicePort();

    String ratingsHostname();

    int ratingsServicePort();

    Optional<String> servicesDomain();

    /** Per try, for every call to details, reviews and ratings (Istio: 3 s). */
    long callTimeoutMs();

    /** Extra tries of the reviews call after a failure (Istio: 1, so two tries in all). */
    int reviewsRetries();

    CircuitBreaker circuitBreaker();

    /** Key that signs the session cookie; random per process when unset (sessions end on restart). */
    Optional<String> sessionSecret();

    /** The breaker in front of details and of reviews, each with its own state. */
    interface CircuitBreaker {
        /** How many recent calls the failure ratio is computed over. */
        int requestVolumeThreshold();

        /** Share of failed calls among those that opens the breaker. */
        double failureRatio();

        /** How long the breaker stays open, failing fast to the fallback, before trying again. */
        long delayMs();
    }
}
