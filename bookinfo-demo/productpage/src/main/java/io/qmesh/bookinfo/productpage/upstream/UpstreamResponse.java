package io.qmesh.bookinfo.productpage.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What productpage got from a peer: its status and JSON body, or, when the call failed, the status
 * bookinfo reports (the peer's if it answered, 500 otherwise) and an {@code {"error":...}} body with
 * the fallback text.
 */
public record UpstreamResponse(int status, JsonNode body, boolean available) {

    public static UpstreamResponse ok(JsonNode body) {
        return new UpstreamResponse(200, body, true);
    }

    public static UpstreamResponse unavailable(int status, String message) {
        ObjectNode error = JsonNodeFactory.instance.objectNode().put("error", message);
        return new UpstreamResponse(status, error, false);
    }

    /** The fallback text of an unavailable response. */
    public String error() {
        return body.path("error").asText();
    }
}
