package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.istio.PolicyTargetRef;
import io.qmesh.pilot.model.istio.RateLimitPolicy;
import io.qmesh.pilot.model.istio.RateLimitPolicy.Descriptor;
import io.qmesh.pilot.model.istio.RateLimitPolicy.Limit;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static io.qmesh.pilot.rules.Findings.q;

/**
 * Checks a {@code RateLimitPolicy} on its own. The bounds are Envoy's: token counts are uint32, a policy
 * turns into at most ten {@code response_headers_to_add} (one is {@code x-local-rate-limit}), and a
 * descriptor's fill interval must be a multiple of the default bucket's, so a descriptor's unit may not
 * be shorter than {@code spec.limit.unit}. Whether the target exists is {@link RuleAnalyzer}'s warning.
 */
final class RateLimitPolicyValidator {
    /** Envoy's uint32 token counts. */
    static final long MAX_TOKENS = 4_294_967_295L;
    static final int MAX_RESPONSE_HEADERS = 9;
    private static final Map<String, Long> UNIT_SECONDS = Map.of("SECOND", 1L, "MINUTE", 60L, "HOUR", 3600L);
    private static final String UNITS = "SECOND, MINUTE or HOUR";

    private RateLimitPolicyValidator() {
    }

    static void validate(Findings f, RateLimitPolicy.Spec spec) {
        targetRef(f, spec.targetRef());
        if (spec.limit() == null && spec.descriptors().isEmpty()) {
            f.error("spec.limit", "missing (expected: a limit, at least one descriptor, or both)");
        }
        long defaultUnit = limit(f, "spec.limit", spec.limit());
        Set<List<String>> seen = new HashSet<>();
        for (int i = 0; i < spec.descriptors().size(); i++) {
            descriptor(f, "spec.descriptors[" + i + "]", spec.descriptors().get(i), spec.limit() == null ? 1 : defaultUnit, seen);
        }
        if (spec.responseHeaders().size() > MAX_RESPONSE_HEADERS) {
            f.error("spec.responseHeaders", spec.responseHeaders().size() + " headers (expected: at most "
                    + MAX_RESPONSE_HEADERS + "; x-local-rate-limit is always added and Envoy takes ten)");
        }
        for (int i = 0; i < spec.responseHeaders().size(); i++) {
            RateLimitPolicy.Header h = spec.responseHeaders().get(i);
            String at = "spec.responseHeaders[" + i + "]";
            f.headerName(at + ".name", h.name());
            f.required(at + ".value", h.value(), "a header value");
        }
    }

    private static void targetRef(Findings f, PolicyTargetRef ref) {
        if (ref == null) {
            f.error("spec.targetRef", "missing (expected: {kind: Service, name: <service in this namespace>})");
            return;
        }
        if (ref.group() != null && !ref.group().isEmpty()) {
            f.error("spec.targetRef.group", q(ref.group()) + " (expected: \"\", the core API group of Service)");
        }
        if (ref.kind() == null || ref.kind().isEmpty()) {
            f.error("spec.targetRef.kind", "missing (expected: Service)");
        } else if (!ref.kind().equals(PolicyTargetRef.SERVICE)) {
            f.error("spec.targetRef.kind", q(ref.kind()) + " (expected: Service)");
        }
        if (ref.name() == null || ref.name().isEmpty()) {
            f.error("spec.targetRef.name", "missing (expected: the name of a Service in the policy's namespace)");
        } else {
            f.dnsLabel("spec.targetRef.name", ref.name());
        }
        if (ref.sectionName() != null && ref.port() != null) {
            f.error("spec.targetRef", "both sectionName and port (expected: at most one of them)");
        }
        f.dnsLabel("spec.targetRef.sectionName", ref.sectionName());
        f.port("spec.targetRef.port", ref.port());
        if (ref.route() != null && ref.route().isEmpty()) {
            f.error("spec.targetRef.route", "\"\" (expected: the name of an http route of the service's VirtualService)");
        }
    }

    /** Checks a limit and returns its unit in seconds (1 when absent or invalid). */
    private static long limit(Findings f, String at, Limit limit) {
        if (limit == null) {
            return 1;
        }
        if (limit.requests() == null) {
            f.error(at + ".requests", "missing (expected: 1.." + MAX_TOKENS + ")");
        }
        f.range(at + ".requests", limit.requests(), 1, MAX_TOKENS);
        f.range(at + ".burst", limit.burst(), 1, MAX_TOKENS);
        Long seconds = limit.unit() == null ? null : UNIT_SECONDS.get(limit.unit());
        if (limit.unit() == null) {
            f.error(at + ".unit", "missing (expected: " + UNITS + ")");
        } else if (seconds == null) {
            f.error(at + ".unit", q(limit.unit()) + " (expected: " + UNITS + ")");
        }
        return seconds == null ? 1 : seconds;
    }

    private static void descriptor(Findings f, String at, Descriptor d, long defaultUnit, Set<List<String>> seen) {
        if (d.headers().isEmpty()) {
            f.error(at + ".headers", "missing (expected: at least one header {name, optional value})");
        }
        Map<String, Integer> names = new HashMap<>();
        List<String> key = new java.util.ArrayList<>();
        for (int h = 0; h < d.headers().size(); h++) {
            RateLimitPolicy.HeaderKey header = d.headers().get(h);
            String hat = at + ".headers[" + h + "]";
            f.headerName(hat + ".name", header.name());
            if (header.name() != null && names.putIfAbsent(header.name().toLowerCase(Locale.ROOT), h) != null) {
                f.error(hat + ".name", q(header.name()) + " (expected: each header once, also used by " + at
                        + ".headers[" + names.get(header.name().toLowerCase(Locale.ROOT)) + "])");
            }
            if (header.value() != null && header.value().isEmpty()) {
                f.error(hat + ".value", "\"\" (expected: a value, or no value for a bucket per distinct value)");
            }
            key.add(String.valueOf(header.name()).toLowerCase(Locale.ROOT) + "=" + header.value());
        }
        if (!d.headers().isEmpty() && !seen.add(key)) {
            f.error(at + ".headers", "the same headers and values as an earlier descriptor (expected: each descriptor once)");
        }
        if (d.limit() == null) {
            f.error(at + ".limit", "missing (expected: {requests, unit})");
            return;
        }
        long unit = limit(f, at + ".limit", d.limit());
        if (UNIT_SECONDS.containsKey(d.limit().unit()) && unit % defaultUnit != 0) {
            f.error(at + ".limit.unit", q(d.limit().unit()) + " (expected: spec.limit.unit or longer: Envoy needs a "
                    + "descriptor's fill interval to be a multiple of the default bucket's)");
        }
    }
}
