package io.qmesh.bookinfo.productpage.web;

import java.util.Map;
import java.util.Optional;

import jakarta.ws.rs.core.HttpHeaders;

import io.qmesh.bookinfo.common.ForwardedHeaders;

/**
 * The headers of productpage's calls: the forwarded list from the incoming request, plus
 * {@code end-user} from the login session. An {@code end-user} header sent by the browser is not
 * forwarded: only a signed-in session says who the user is, as in Istio's productpage.
 */
final class OutboundHeaders {

    private OutboundHeaders() {
    }

    static Map<String, String> of(HttpHeaders incoming, Optional<String> user) {
        Map<String, String> headers = ForwardedHeaders.select(incoming::getHeaderString, false);
        user.ifPresent(u -> headers.put(ForwardedHeaders.END_USER, u));
        return headers;
    }
}
