package io.qmesh.proxy.stats;

import java.time.Instant;

/** One completed request, rendered in Envoy's default access log format. */
public record AccessLogEntry(Instant start, String method, String path, String protocol, int status,
                             int responseFlags, long bytesReceived, long bytesSent, long durationMillis,
                             String upstreamServiceTime, String forwardedFor, String userAgent, String requestId,
                             String authority, String upstreamHost, String upstreamCluster) {

    /** Envoy's default format (with %UPSTREAM_CLUSTER% appended as Istio's format does). */
    public String format() {
        return "[" + start + "] \"" + method + " " + path + " " + protocol + "\" " + status + " "
                + ResponseFlag.format(responseFlags) + " " + bytesReceived + " " + bytesSent + " "
                + durationMillis + " " + dash(upstreamServiceTime) + " \"" + dash(forwardedFor) + "\" \""
                + dash(userAgent) + "\" \"" + dash(requestId) + "\" \"" + dash(authority) + "\" \""
                + dash(upstreamHost) + "\" " + dash(upstreamCluster);
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
