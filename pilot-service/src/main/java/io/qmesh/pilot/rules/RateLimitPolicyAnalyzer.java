package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.Hostnames;
import io.qmesh.pilot.model.MeshRules;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.istio.PolicyTargetRef;
import io.qmesh.pilot.model.istio.RateLimitPolicy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Warnings for a RateLimitPolicy that would apply to no request, or that loses to another policy for the
 * same target (the first in namespace/name order wins, see {@code PolicyAttachment}).
 */
final class RateLimitPolicyAnalyzer {
    private RateLimitPolicyAnalyzer() {
    }

    static void analyze(List<FieldError> out, RateLimitPolicy policy, MeshRules rules, MeshSnapshot registry) {
        PolicyTargetRef ref = policy.spec().targetRef();
        String ns = policy.metadata().namespace();
        String host = Hostnames.fqdn(ref.name(), ns);
        Optional<Service> service = registry.service(host);
        if (service.isEmpty()) {
            out.add(new FieldError("spec.targetRef.name", host + " is not a known service (yet); the policy applies once it is"));
        } else if (ref.port() != null && service.get().port(ref.port()).isEmpty()) {
            out.add(new FieldError("spec.targetRef.port", ref.port() + " is not a port of " + host + " (the policy applies to no request)"));
        } else if (ref.sectionName() != null && service.get().portByName(ref.sectionName()).isEmpty()) {
            out.add(new FieldError("spec.targetRef.sectionName", "\"" + ref.sectionName() + "\" names no port of " + host
                    + " (the policy applies to no request)"));
        }
        if (ref.route() != null) {
            boolean found = rules.meshVirtualService(host).map(vs -> vs.spec().http().stream()
                    .anyMatch(r -> ref.route().equals(r.name()))).orElse(false);
            if (!found) {
                out.add(new FieldError("spec.targetRef.route", "\"" + ref.route() + "\" names no http route of a mesh "
                        + "VirtualService for " + host + " (the policy applies to no request until one exists)"));
            }
        }
        for (RateLimitPolicy other : rules.rateLimitPolicies()) {
            if (other.metadata().name().equals(policy.metadata().name()) || !other.metadata().namespace().equals(ns)) {
                continue;
            }
            PolicyTargetRef o = other.spec().targetRef();
            boolean sameSlot = o.name().equals(ref.name()) && Objects.equals(o.route(), ref.route())
                    && Objects.equals(o.port(), ref.port()) && Objects.equals(o.sectionName(), ref.sectionName());
            if (sameSlot) {
                boolean wins = policy.metadata().name().compareTo(other.metadata().name()) < 0;
                out.add(new FieldError("spec.targetRef", wins
                        ? "also targeted by RateLimitPolicy " + ns + "/" + other.metadata().name() + ", which is not applied (this one comes first by name)"
                        : "conflicts with RateLimitPolicy " + ns + "/" + other.metadata().name() + ", which comes first by name: this policy is not applied"));
            }
        }
    }
}
