package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.istio.FallbackPolicy;
import io.qmesh.pilot.model.istio.FallbackPolicy.Condition;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.qmesh.pilot.rules.Findings.q;

/**
 * {@code FallbackPolicy} checks. Beyond field shapes it rejects what a standard Envoy could not do with
 * the policy: a destination fallback without NoHealthyUpstream (its aggregate cluster always moves load
 * off a target without healthy endpoints), and a Timeout condition on a destination fallback without
 * {@code spec.timeout} (Envoy retries a per-try timeout, not the route's overall timeout). Overflow is
 * fine for both kinds: a destination takes it through a custom_response redirect, as Envoy never
 * retries a request its circuit breaker refused.
 */
final class FallbackPolicyValidator {
    private static final String CONDITIONS = Arrays.stream(Condition.values()).map(Condition::value)
            .collect(Collectors.joining(", "));

    private FallbackPolicyValidator() {
    }

    static void validate(Findings f, FallbackPolicy.Spec spec) {
        targetRef(f, spec.targetRef());
        f.duration("spec.timeout", spec.timeout());
        FallbackPolicy.Fallback fb = spec.fallback();
        boolean destination = fb != null && fb.destination() != null;
        if (fb == null) {
            f.error("spec.fallback", "missing (expected: an object with destination or response)");
        } else if (destination == (fb.response() != null)) {
            f.error("spec.fallback", (destination ? "both destination and response" : "neither destination nor response")
                    + " (expected: exactly one of them)");
        } else if (destination) {
            FallbackPolicy.Destination d = fb.destination();
            f.host("spec.fallback.destination.host", d.host(), false);
            f.dnsLabel("spec.fallback.destination.subset", d.subset());
            f.port("spec.fallback.destination.port", d.port());
        } else {
            response(f, fb.response());
        }
        if (fb != null && fb.response() != null && !destination && spec.timeout() != null) {
            f.error("spec.timeout", q(spec.timeout()) + " (expected: unset for a response fallback, which serves "
                    + "the route's own timeout; set it only with a destination fallback)");
        }
        if (destination && !spec.conditions().isEmpty() && !spec.conditions().contains(Condition.NO_HEALTHY_UPSTREAM.value())) {
            f.error("spec.conditions", spec.conditions() + " (expected: NoHealthyUpstream among them for a destination "
                    + "fallback: its aggregate cluster always moves load to the fallback as the target's endpoints fail)");
        }
        Set<Condition> seen = EnumSet.noneOf(Condition.class);
        for (int i = 0; i < spec.conditions().size(); i++) {
            String at = "spec.conditions[" + i + "]";
            String value = spec.conditions().get(i);
            Condition c = Condition.of(value).orElse(null);
            if (c == null) {
                f.error(at, q(value) + " (expected: one of " + CONDITIONS + ")");
            } else if (!seen.add(c)) {
                f.error(at, q(value) + " (expected: each condition listed once)");
            } else if (destination && c == Condition.TIMEOUT && spec.timeout() == null) {
                f.error(at, "\"Timeout\" (expected: spec.timeout set to how long the target may take before the fallback)");
            }
        }
    }

    private static void targetRef(Findings f, FallbackPolicy.TargetRef ref) {
        if (ref == null) {
            f.error("spec.targetRef", "missing (expected: {group: \"\", kind: Service, name: <service>})");
            return;
        }
        if (ref.group() != null && !ref.group().isEmpty()) {
            f.error("spec.targetRef.group", q(ref.group()) + " (expected: \"\", the core API group of Service)");
        }
        if (!"Service".equals(ref.kind())) {
            f.error("spec.targetRef.kind", ref.kind() == null ? "missing (expected: Service)" : q(ref.kind()) + " (expected: Service)");
        }
        if (ref.name() == null || ref.name().isEmpty()) {
            f.error("spec.targetRef.name", "missing (expected: the name of a Service in the policy's namespace)");
        } else {
            f.dnsLabel("spec.targetRef.name", ref.name());
        }
        f.port("spec.targetRef.port", ref.port());
    }

    private static void response(Findings f, FallbackPolicy.Response r) {
        if (r.status() == null) {
            f.error("spec.fallback.response.status", "missing (expected: 200..599)");
        } else {
            f.range("spec.fallback.response.status", r.status(), 200, 599);
        }
        for (Map.Entry<String, String> h : r.headers().entrySet()) {
            String at = "spec.fallback.response.headers." + h.getKey();
            f.headerName(at, h.getKey());
            if (h.getValue() == null || h.getValue().indexOf('\n') >= 0 || h.getValue().indexOf('\r') >= 0) {
                f.error(at, q(h.getValue()) + " (expected: a header value on one line)");
            }
        }
    }
}
