package io.qmesh.pilot.model.istio;

import java.util.List;
import java.util.Map;

/**
 * {@code policy.qmesh.io/v1alpha1 FallbackPolicy}: what a Service's callers get when the Service is
 * unavailable, attached like a Gateway API policy through {@code spec.targetRef}. The fallback is either
 * another destination (an aggregate cluster with the target first and the fallback second) or a static
 * degraded response (a custom response on the target's routes); {@code conditions} say which failures take it.
 */
public record FallbackPolicy(ConfigMeta metadata, Spec spec) implements IstioConfig {

    @Override
    public ConfigKind kind() {
        return ConfigKind.FALLBACK_POLICY;
    }

    @Override
    public FallbackPolicy withMetadata(ConfigMeta value) {
        return new FallbackPolicy(value, spec);
    }

    /**
     * @param conditions which failures of the target take the fallback (see {@link Condition}); empty means
     *                   all that the fallback kind supports
     * @param timeout    how long one attempt on the target may take before the Timeout condition applies
     *                   (destination fallbacks only)
     */
    public record Spec(TargetRef targetRef, List<String> conditions, String timeout, Fallback fallback) {
        public Spec {
            conditions = conditions == null ? List.of() : conditions;
        }
    }

    /** Gateway API's PolicyTargetReference, narrowed to a core Service and optionally one of its ports. */
    public record TargetRef(String group, String kind, String name, Integer port) {
        public TargetRef {
            group = group == null ? "" : group; // the core group, which stored objects omit when empty
        }
    }

    /** Exactly one of {@code destination} and {@code response}. */
    public record Fallback(Destination destination, Response response) {
    }

    public record Destination(String host, String subset, Integer port) {
    }

    public record Response(Integer status, String body, Map<String, String> headers) {
        public Response {
            headers = headers == null ? Map.of() : headers;
        }
    }

    /** The failures a fallback can be taken on, by their names in {@code spec.conditions}. */
    public enum Condition {
        /** Every endpoint of the target is unhealthy or outlier-ejected (Envoy flag UH). */
        NO_HEALTHY_UPSTREAM("NoHealthyUpstream"),
        /** The target refused or did not accept the connection (UF). */
        CONNECT_FAILURE("ConnectFailure"),
        /** The target's circuit breaker refused the request (UO). */
        OVERFLOW("Overflow"),
        /** The target answered 5xx, after the route's retries. */
        SERVER_ERROR("ServerError"),
        /** The target did not answer in time (UT, or an upstream 504). */
        TIMEOUT("Timeout");

        private final String value;

        Condition(String value) {
            this.value = value;
        }

        public String value() {
            return value;
        }

        public static java.util.Optional<Condition> of(String value) {
            return java.util.Arrays.stream(values()).filter(c -> c.value.equals(value)).findFirst();
        }
    }

    public boolean staticResponse() {
        return spec.fallback() != null && spec.fallback().response() != null;
    }

    /**
     * The conditions in force: the listed ones, or when none are listed, all the fallback kind supports
     * (a destination fallback takes Timeout only when {@code spec.timeout} says how long to wait).
     */
    public java.util.Set<Condition> effectiveConditions() {
        java.util.Set<Condition> out = java.util.EnumSet.noneOf(Condition.class);
        if (!spec.conditions().isEmpty()) {
            spec.conditions().forEach(c -> Condition.of(c).ifPresent(out::add));
            return out;
        }
        out.addAll(List.of(Condition.NO_HEALTHY_UPSTREAM, Condition.CONNECT_FAILURE, Condition.OVERFLOW,
                Condition.SERVER_ERROR));
        if (staticResponse() || spec.timeout() != null) {
            out.add(Condition.TIMEOUT);
        }
        return out;
    }
}
