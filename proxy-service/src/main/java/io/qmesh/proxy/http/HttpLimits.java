package io.qmesh.proxy.http;

/**
 * Downstream HTTP limits.
 *
 * @param requestBufferBytes  how much of a request body is kept so that retries and mirrors can replay it, and
 *                            how much is read ahead of a slow upstream (Envoy's per_connection_buffer_limit_bytes,
 *                            default 1 MiB); larger bodies still stream through, but are neither retried nor mirrored
 * @param idleTimeoutMillis   close a keep-alive connection with no request in flight after this long
 */
public record HttpLimits(int maxInitialLineLength, int maxHeaderSize, int requestBufferBytes,
                         long idleTimeoutMillis) {

    public static final HttpLimits DEFAULT = new HttpLimits(16 * 1024, 60 * 1024, 1024 * 1024, 3_600_000);
}
