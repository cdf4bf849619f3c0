package io.qmesh.pilot.model.istio;

import java.util.List;

/**
 * {@code policy.qmesh.io/v1alpha1 RateLimitPolicy}: a local (per proxy instance) token bucket on the
 * inbound side of the target service, optionally with extra buckets keyed by request header values.
 * Istio has no such API (its users hand-write EnvoyFilters); pilot turns this into Envoy's standard
 * {@code envoy.filters.http.local_ratelimit}, so any Envoy-compatible sidecar enforces it.
 */
public record RateLimitPolicy(ConfigMeta metadata, Spec spec) implements IstioConfig {

    @Override
    public ConfigKind kind() {
        return ConfigKind.RATE_LIMIT_POLICY;
    }

    @Override
    public RateLimitPolicy withMetadata(ConfigMeta value) {
        return new RateLimitPolicy(value, spec);
    }

    /**
     * @param limit           the bucket every request to the target shares; optional when descriptors are given
     * @param descriptors     extra buckets, each for the requests whose headers it names
     * @param responseHeaders added to rejected responses, after {@code x-local-rate-limit: true}
     */
    public record Spec(PolicyTargetRef targetRef, Limit limit, List<Descriptor> descriptors,
                       List<Header> responseHeaders) {
        public Spec {
            descriptors = descriptors == null ? List.of() : descriptors;
            responseHeaders = responseHeaders == null ? List.of() : responseHeaders;
        }
    }

    /**
     * {@code requests} per {@code unit} (SECOND, MINUTE, HOUR), refilled continuously; {@code burst} is
     * the bucket's size, the most requests accepted at once (default: {@code requests}).
     */
    public record Limit(Long requests, String unit, Long burst) {
    }

    /** A bucket for requests carrying every header listed; a header without value gets a bucket per distinct value. */
    public record Descriptor(List<HeaderKey> headers, Limit limit) {
        public Descriptor {
            headers = headers == null ? List.of() : headers;
        }
    }

    public record HeaderKey(String name, String value) {
    }

    public record Header(String name, String value) {
    }
}
