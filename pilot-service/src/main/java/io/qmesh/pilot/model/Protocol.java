package io.qmesh.pilot.model;

import java.util.Locale;

/** Application protocol of a service port, chosen the way Istio does: appProtocol first, then the port name prefix. */
public enum Protocol {
    HTTP, HTTP2, GRPC, TCP;

    /** True for protocols that get an HTTP connection manager and routes (rather than a TCP proxy). */
    public boolean isHttp() {
        return this != TCP;
    }

    /** True when the upstream connection must speak HTTP/2. */
    public boolean isHttp2() {
        return this == HTTP2 || this == GRPC;
    }

    /**
     * Istio's protocol selection: {@code appProtocol} wins; otherwise the port name, either exactly the
     * protocol or the protocol followed by {@code -suffix} ({@code http-web}); anything else is TCP.
     */
    public static Protocol select(String portName, String appProtocol) {
        if (appProtocol != null && !appProtocol.isBlank()) {
            Protocol p = parse(appProtocol);
            if (p != null) {
                return p;
            }
        }
        if (portName != null) {
            String name = portName.toLowerCase(Locale.ROOT);
            int dash = name.indexOf('-');
            Protocol p = parse(dash < 0 ? name : name.substring(0, dash));
            if (p != null) {
                return p;
            }
        }
        return TCP;
    }

    private static Protocol parse(String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "http":
                return HTTP;
            case "http2":
            case "h2c":
                return HTTP2;
            case "grpc":
            case "grpc-web":
                return GRPC;
            case "tcp":
                return TCP;
            default:
                return null;
        }
    }
}
