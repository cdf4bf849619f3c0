package io.qmesh.proxy.route;

import com.google.re2j.Pattern;
import java.util.List;
import java.util.Map;

/** What a matched route does: forward, redirect, or answer directly. */
public sealed interface RouteAction {

    /**
     * Forward to one of {@code clusters}, picked by weight.
     *
     * @param timeoutMillis route timeout, 0 = disabled (Envoy's default is 15 s; Istio sends 0)
     * @param regexRewrite  null, or the pattern whose matches in the path are replaced by {@code regexSubstitution}
     * @param upgrades      the route's upgrade_configs: upgrade type (lower case) -> enabled; overrides the
     *                      connection manager's (Envoy: false refuses, true allows even if the HCM does not list it)
     * @param grpcTimeoutHeaderMaxMillis max_stream_duration.grpc_timeout_header_max (or the deprecated
     *                      max_grpc_timeout): -1 = unset, a gRPC request's grpc-timeout is not used;
     *                      0 = grpc-timeout is used uncapped; else the cap
     */
    record Forward(List<WeightedCluster> clusters, int totalWeight, long timeoutMillis, RetryPolicy retryPolicy,
                   String prefixRewrite, Pattern regexRewrite, String regexSubstitution,
                   String hostRewrite, List<HashPolicy> hashPolicies, List<MirrorPolicy> mirrors,
                   Map<String, Boolean> upgrades, long grpcTimeoutHeaderMaxMillis)
            implements RouteAction {

        /** Picks a cluster by weight; {@code random} is in [0, totalWeight). */
        public WeightedCluster pick(int random) {
            int remaining = random;
            for (WeightedCluster c : clusters) {
                remaining -= c.weight();
                if (remaining < 0) {
                    return c;
                }
            }
            return clusters.get(clusters.size() - 1);
        }
    }

    /** A redirect; null fields keep the request's value. */
    record Redirect(String scheme, String host, int port, String path, String prefixRewrite, int status,
                    boolean stripQuery) implements RouteAction {
    }

    /** A direct response with a fixed status and body. */
    record DirectResponse(int status, String body) implements RouteAction {
    }
}
