package io.qmesh.bookinfo.reviews;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The reviews service's settings; {@code application.properties} maps Istio's variable names
 * ({@code SERVICE_VERSION}, {@code ENABLE_RATINGS}, ...) onto these properties.
 */
@ConfigMapping(prefix = "bookinfo.reviews")
public interface ReviewsConfig {

    /** v1, v2 or v3: picks the defaults of {@link #enableRatings()} and {@link #starColor()}. */
    @WithDefault("v1")
    String serviceVersion();

    /** Whether to call ratings; default: false for v1, true otherwise. */
    Optional<Boolean> enableRatings();

    /** Colour of the stars; default: red for v3, black otherwise. */
    Optional<String> starColor();

    @WithDefault("ratings")
    String ratingsHostname();

    @WithDefault("9080")
    int ratingsServicePort();

    Optional<String> servicesDomain();

    /** The {@code podname} of responses; default: this machine's host name. */
    Optional<String> podName();

    /** The {@code clustername} of responses; default: empty. */
    Optional<String> clusterName();
}
