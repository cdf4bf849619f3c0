package io.qmesh.bookinfo.common;

import java.util.Locale;
import java.util.Optional;

import jakarta.ws.rs.core.Response;

/**
 * A deliberate failure of a service's main API, for resilience demos (outlier detection, retries):
 * set with the {@code FAULT_MODE} variable ({@code bookinfo.fault-mode}); health endpoints keep answering.
 */
public enum FaultMode {
    /** Normal operation. */
    NONE,
    /** Answer 500 {@code {"error":"Internal server error (FAULT_MODE=error)"}}. */
    ERROR,
    /** Answer 503 {@code {"error":"Service unavailable"}}, bookinfo ratings' own unavailable body. */
    UNAVAILABLE;

    public static FaultMode parse(String text) {
        String value = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "", "none" -> NONE;
            case "error" -> ERROR;
            case "unavailable" -> UNAVAILABLE;
            default -> throw new IllegalArgumentException(
                    "FAULT_MODE: '" + text + "' (expected: none, error or unavailable)");
        };
    }

    /** The response that replaces the normal answer, or empty when the service behaves normally. */
    public Optional<Response> failure() {
        return switch (this) {
            case NONE -> Optional.empty();
            case ERROR -> Optional.of(ErrorBody.response(500, "Internal server error (FAULT_MODE=error)"));
            case UNAVAILABLE -> Optional.of(ErrorBody.response(503, "Service unavailable"));
        };
    }
}
