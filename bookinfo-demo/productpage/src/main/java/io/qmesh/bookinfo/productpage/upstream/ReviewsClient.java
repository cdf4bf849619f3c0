package io.qmesh.bookinfo.productpage.upstream;

import java.io.IOException;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.ExecutionContext;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.FallbackHandler;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

import io.smallrye.faulttolerance.api.CircuitBreakerName;

/**
 * productpage -> reviews: two tries of at most 3 s each, on purpose, as Istio's fault-injection
 * walkthrough expects (a 7 s delay on ratings shows the fallback after about 6 s). An open breaker
 * aborts the retry: while open, reviews is not called at all.
 */
@ApplicationScoped
public class ReviewsClient {

    public static final String UNAVAILABLE = "Sorry, product reviews are currently unavailable for this book.";
    public static final String BREAKER = "reviews";

    private final Upstreams upstreams;

    public ReviewsClient(Upstreams upstreams) {
        this.upstreams = upstreams;
    }

    // Annotation values are the shipped defaults; application.properties sets them from bookinfo.productpage.*.
    @Timeout(3000)
    @Retry(maxRetries = 1, delay = 0, jitter = 0, abortOn = CircuitBreakerOpenException.class)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 10000)
    @CircuitBreakerName(BREAKER)
    @Fallback(Unavailable.class)
    public UpstreamResponse reviews(int productId, Map<String, String> headers)
            throws IOException, InterruptedException {
        return upstreams.getJson(upstreams.reviews(), "/reviews/" + productId, headers);
    }

    public static class Unavailable implements FallbackHandler<UpstreamResponse> {
        @Override
        public UpstreamResponse handle(ExecutionContext context) {
            return UnavailableFallback.handle(context, UNAVAILABLE);
        }
    }
}
