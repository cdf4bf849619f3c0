package io.qmesh.bookinfo.productpage.upstream;

import java.io.IOException;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.ExecutionContext;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.FallbackHandler;
import org.eclipse.microprofile.faulttolerance.Timeout;

import io.smallrye.faulttolerance.api.CircuitBreakerName;

/** productpage -> details: one try of at most 3 s, behind a circuit breaker. */
@ApplicationScoped
public class DetailsClient {

    public static final String UNAVAILABLE = "Sorry, product details are currently unavailable for this book.";
    public static final String BREAKER = "details";

    private final Upstreams upstreams;

    public DetailsClient(Upstreams upstreams) {
        this.upstreams = upstreams;
    }

    // Annotation values are the shipped defaults; application.properties sets them from bookinfo.productpage.*.
    @Timeout(3000)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 10000)
    @CircuitBreakerName(BREAKER)
    @Fallback(Unavailable.class)
    public UpstreamResponse details(int productId, Map<String, String> headers)
            throws IOException, InterruptedException {
        return upstreams.getJson(upstreams.details(), "/details/" + productId, headers);
    }

    public static class Unavailable implements FallbackHandler<UpstreamResponse> {
        @Override
        public UpstreamResponse handle(ExecutionContext context) {
            return UnavailableFallback.handle(context, UNAVAILABLE);
        }
    }
}
