package io.qmesh.bookinfo.productpage.upstream;

import org.eclipse.microprofile.faulttolerance.ExecutionContext;

/**
 * Turns any failure of a peer call (error status, refused, timed out, breaker open) into bookinfo's
 * fallback text, with the peer's status when it answered and 500 otherwise, as Istio's productpage does.
 * Each client's handler implements {@code FallbackHandler<UpstreamResponse>} itself (SmallRye checks
 * the handler's type on the class that declares it) and delegates here.
 */
final class UnavailableFallback {

    private UnavailableFallback() {
    }

    static UpstreamResponse handle(ExecutionContext context, String message) {
        int status = context.getFailure() instanceof UpstreamFailure failure ? failure.status() : 500;
        return UpstreamResponse.unavailable(status, message);
    }
}
