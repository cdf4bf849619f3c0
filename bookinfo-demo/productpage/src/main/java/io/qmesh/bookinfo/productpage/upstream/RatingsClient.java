package io.qmesh.bookinfo.productpage.upstream;

import java.io.IOException;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.ExecutionContext;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.FallbackHandler;
import org.eclipse.microprofile.faulttolerance.Timeout;

/** productpage -> ratings, used by {@code /api/v1/products/{id}/ratings} only: one try of at most 3 s. */
@ApplicationScoped
public class RatingsClient {

    public static final String UNAVAILABLE = "Sorry, product ratings are currently unavailable for this book.";

    private final Upstreams upstreams;

    public RatingsClient(Upstreams upstreams) {
        this.upstreams = upstreams;
    }

    @Timeout(3000)
    @Fallback(Unavailable.class)
    public UpstreamResponse ratings(int productId, Map<String, String> headers)
            throws IOException, InterruptedException {
        return upstreams.getJson(upstreams.ratings(), "/ratings/" + productId, headers);
    }

    public static class Unavailable implements FallbackHandler<UpstreamResponse> {
        @Override
        public UpstreamResponse handle(ExecutionContext context) {
            return UnavailableFallback.handle(context, UNAVAILABLE);
        }
    }
}
