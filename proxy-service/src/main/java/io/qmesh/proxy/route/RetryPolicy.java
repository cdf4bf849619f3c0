package io.qmesh.proxy.route;

import java.util.Set;

/**
 * Envoy's route.v3.RetryPolicy, translated.
 *
 * @param retryOn              the retry_on conditions (5xx, gateway-error, connect-failure, refused-stream,
 *                             reset, retriable-status-codes, retriable-4xx)
 * @param perTryTimeoutMillis  0 = no per-try timeout
 * @param baseIntervalMillis   exponential back-off base (Envoy default 25 ms); max defaults to 10x base
 * @param avoidPreviousHosts   retry_host_predicate envoy.retry_host_predicates.previous_hosts
 * @param previousPrioritiesUpdateFrequency retry_priority envoy.retry_priorities.previous_priorities's
 *                             update_frequency: after every that many attempts, the priorities (child clusters
 *                             of an aggregate cluster) attempted so far are excluded; 0 = no retry priority
 */
public record RetryPolicy(
        Set<String> retryOn,
        int numRetries,
        long perTryTimeoutMillis,
        long baseIntervalMillis,
        long maxIntervalMillis,
        Set<Integer> retriableStatusCodes,
        boolean avoidPreviousHosts,
        int hostSelectionMaxAttempts,
        int previousPrioritiesUpdateFrequency) {

    public static final RetryPolicy NONE = new RetryPolicy(Set.of(), 0, 0, 25, 250, Set.of(), false, 1);

    /** A retry policy without a retry priority. */
    public RetryPolicy(Set<String> retryOn, int numRetries, long perTryTimeoutMillis, long baseIntervalMillis,
                       long maxIntervalMillis, Set<Integer> retriableStatusCodes, boolean avoidPreviousHosts,
                       int hostSelectionMaxAttempts) {
        this(retryOn, numRetries, perTryTimeoutMillis, baseIntervalMillis, maxIntervalMillis, retriableStatusCodes,
                avoidPreviousHosts, hostSelectionMaxAttempts, 0);
    }

    /** Whether an upstream response status warrants a retry. */
    public boolean retriableStatus(int status) {
        if (retryOn.contains("5xx") && status >= 500) {
            return true;
        }
        if (retryOn.contains("gateway-error") && (status == 502 || status == 503 || status == 504)) {
            return true;
        }
        if (retryOn.contains("retriable-4xx") && status == 409) {
            return true;
        }
        return retryOn.contains("retriable-status-codes") && retriableStatusCodes.contains(status);
    }

    /**
     * Whether a gRPC status in the response headers (a trailers-only response) warrants a retry:
     * Envoy's gRPC retry_on conditions cancelled (1), deadline-exceeded (4), resource-exhausted (8),
     * internal (13), unavailable (14).
     */
    public boolean retriableGrpcStatus(int grpcStatus) {
        return switch (grpcStatus) {
            case 1 -> retryOn.contains("cancelled");
            case 4 -> retryOn.contains("deadline-exceeded");
            case 8 -> retryOn.contains("resource-exhausted");
            case 13 -> retryOn.contains("internal");
            case 14 -> retryOn.contains("unavailable");
            default -> false;
        };
    }

    /** Whether an HTTP/2 REFUSED_STREAM reset warrants a retry. */
    public boolean retriableRefusedStream() {
        return retryOn.contains("refused-stream") || retriableReset();
    }

    /** Whether a failure to connect warrants a retry. */
    public boolean retriableConnectFailure() {
        return retryOn.contains("connect-failure") || retryOn.contains("5xx") || retryOn.contains("gateway-error");
    }

    /** Whether a reset/disconnect before response headers (or a per-try timeout) warrants a retry. */
    public boolean retriableReset() {
        return retryOn.contains("reset") || retryOn.contains("5xx") || retryOn.contains("gateway-error");
    }

    /**
     * Envoy's fully jittered exponential back-off: a random duration in [0, min(max, base * (2^(n) - 1))].
     *
     * @param retryNumber 1 for the first retry
     * @param random      a value in [0, 1)
     */
    public long backoffMillis(int retryNumber, double random) {
        long ceiling = baseIntervalMillis * ((1L << Math.min(retryNumber, 30)) - 1);
        ceiling = Math.min(Math.max(ceiling, baseIntervalMillis), maxIntervalMillis);
        return (long) (random * ceiling);
    }
}
