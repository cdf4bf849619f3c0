package io.qmesh.proxy.http;

/**
 * The gRPC {@code grpc-timeout} request header (gRPC over HTTP/2: "TimeoutValue TimeoutUnit", at most
 * 8 ASCII digits and one of H, M, S, m, u, n), read as Envoy reads it: in milliseconds, sub-millisecond
 * values rounded up.
 */
final class GrpcTimeout {

    static final String HEADER = "grpc-timeout";
    /** gRPC status DEADLINE_EXCEEDED. */
    static final int DEADLINE_EXCEEDED = 4;

    private GrpcTimeout() {
    }

    /** The timeout in milliseconds, or -1 when the header is absent or malformed (then it is ignored). */
    static long parseMillis(String value) {
        if (value == null) {
            return -1;
        }
        String v = value.trim();
        int digits = v.length() - 1;
        if (digits < 1 || digits > 8) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < digits; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return switch (v.charAt(digits)) {
            case 'H' -> n * 3_600_000;
            case 'M' -> n * 60_000;
            case 'S' -> n * 1_000;
            case 'm' -> n;
            case 'u' -> (n + 999) / 1_000;
            case 'n' -> (n + 999_999) / 1_000_000;
            default -> -1;
        };
    }
}
