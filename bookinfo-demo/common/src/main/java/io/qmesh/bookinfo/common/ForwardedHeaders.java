package io.qmesh.bookinfo.common;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The headers bookinfo copies from each incoming request onto every outgoing call, so that a mesh
 * can join the spans of one request (tracing headers) and route on who is asking ({@code end-user},
 * {@code cookie}, {@code authorization}). The list is Istio's, in Istio's order.
 */
public final class ForwardedHeaders {

    /** Set by productpage from its login session; forwarded unchanged by details and reviews. */
    public static final String END_USER = "end-user";

    /** Forwarded by every service from its incoming request. */
    public static final List<String> NAMES = List.of(
            "x-request-id",
            "traceparent",
            "tracestate",
            "x-b3-traceid",
            "x-b3-spanid",
            "x-b3-parentspanid",
            "x-b3-sampled",
            "x-b3-flags",
            "x-ot-span-context",
            "x-cloud-trace-context",
            "grpc-trace-bin",
            "sw8",
            "user-agent",
            "cookie",
            "authorization",
            "jwt");

    private ForwardedHeaders() {
    }

    /**
     * The forwarded headers present on an incoming request, with {@code end-user} included when
     * {@code includeEndUser} is set (details and reviews) and left out otherwise (productpage,
     * which takes the end user from its session instead).
     *
     * @param incoming looks a header up by its lower-case name; returns null when absent
     */
    public static Map<String, String> select(Function<String, String> incoming, boolean includeEndUser) {
        Map<String, String> forwarded = new LinkedHashMap<>();
        for (String name : NAMES) {
            copy(incoming, name, forwarded);
        }
        if (includeEndUser) {
            copy(incoming, END_USER, forwarded);
        }
        return forwarded;
    }

    private static void copy(Function<String, String> incoming, String name, Map<String, String> into) {
        String value = incoming.apply(name);
        if (value != null) {
            into.put(name, value);
        }
    }
}
