package io.qmesh.proxy.http;

/**
 * Downstream HTTP limits.
 *
 * @param maxRequestBodyBytes requests are buffered (so that retries can replay them) up to this size; 413 beyond
 * @param idleTimeoutMillis   close a keep-alive connection with no request in flight after this long
 */
public record HttpLimits(int maxInitialLineLength, int maxHeaderSize, int maxRequestBodyBytes,
                         long idleTimeoutMillis) {

    public static final HttpLimits DEFAULT = new HttpLimits(16 * 1024, 60 * 1024, 10 * 1024 * 1024, 3_600_000);
}
