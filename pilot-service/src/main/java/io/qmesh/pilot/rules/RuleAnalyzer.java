package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.Hostnames;
import io.qmesh.pilot.model.MeshRules;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.istio.DestinationRule;
import io.qmesh.pilot.model.istio.FallbackPolicy;
import io.qmesh.pilot.model.istio.Gateway;
import io.qmesh.pilot.model.istio.IstioConfig;
import io.qmesh.pilot.model.istio.VirtualService;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Cross-object findings that do not reject a rule but would surprise its author, in the spirit of
 * {@code istioctl analyze}. Run against the rule set as it will be after a request, so that one
 * {@code apply} holding both a DestinationRule and the VirtualService using it draws no warning.
 */
public final class RuleAnalyzer {
    private RuleAnalyzer() {
    }

    public static List<FieldError> analyze(IstioConfig config, Collection<IstioConfig> rulesAfter,
                                           MeshSnapshot registry, Collection<ProxyNode> proxies) {
        List<FieldError> out = new ArrayList<>();
        MeshRules rules = MeshRules.of(rulesAfter);
        if (config instanceof VirtualService vs) {
            String ns = vs.metadata().namespace();
            for (int i = 0; i < vs.spec().http().size(); i++) {
                VirtualService.HttpRoute r = vs.spec().http().get(i);
                for (int d = 0; d < r.route().size(); d++) {
                    VirtualService.Destination dest = r.route().get(d).destination();
                    if (dest != null && dest.host() != null) {
                        destination(out, "spec.http[" + i + "].route[" + d + "].destination", dest, ns, rules, registry);
                    }
                }
            }
            for (int g = 0; g < vs.spec().gateways().size(); g++) {
                String ref = vs.spec().gateways().get(g);
                if (ref.equals("mesh")) {
                    continue;
                }
                String gwNs = ref.contains("/") ? ref.substring(0, ref.indexOf('/')) : ns;
                String gwName = ref.contains("/") ? ref.substring(ref.indexOf('/') + 1) : ref;
                boolean exists = rules.gateways().stream().anyMatch(gw ->
                        gw.metadata().namespace().equals(gwNs) && gw.metadata().name().equals(gwName));
                if (!exists) {
                    out.add(new FieldError("spec.gateways[" + g + "]", "\"" + ref + "\" names no Gateway in namespace "
                            + gwNs + " (the routes for it are unused until it exists)"));
                }
            }
        } else if (config instanceof FallbackPolicy fp) {
            fallbackPolicy(out, fp, rules, registry);
        } else if (config instanceof Gateway gw) {
            boolean selected = proxies.stream().anyMatch(p -> p.type() == ProxyNode.Type.ROUTER
                    && gw.spec().selector().entrySet().stream().allMatch(e -> e.getValue().equals(p.labels().get(e.getKey()))));
            if (!selected) {
                out.add(new FieldError("spec.selector", "matches no connected gateway proxy"));
            }
        }
        return out;
    }

    private static void fallbackPolicy(List<FieldError> out, FallbackPolicy fp, MeshRules rules, MeshSnapshot registry) {
        String ns = fp.metadata().namespace();
        FallbackPolicy.TargetRef ref = fp.spec().targetRef();
        String target = Hostnames.fqdn(ref.name(), ns);
        if (registry.service(target).isEmpty()) {
            out.add(new FieldError("spec.targetRef.name", target + " is not a known service (yet)"));
        }
        for (FallbackPolicy other : rules.fallbackPolicies()) {
            if (other == fp || !other.metadata().namespace().equals(ns) || other.metadata().name().equals(fp.metadata().name())
                    || !ref.name().equals(other.spec().targetRef().name())) {
                continue;
            }
            boolean overlap = ref.port() == null || other.spec().targetRef().port() == null
                    || ref.port().equals(other.spec().targetRef().port());
            if (overlap) {
                out.add(new FieldError("spec.targetRef", "also targeted by FallbackPolicy " + other.metadata().name()
                        + " (the first by name applies on the ports both name)"));
            }
        }
        FallbackPolicy.Destination d = fp.spec().fallback().destination();
        if (d != null) {
            destination(out, "spec.fallback.destination", new VirtualService.Destination(d.host(), d.subset(),
                    d.port() == null ? null : new io.qmesh.pilot.model.istio.PortSelector(d.port())), ns, rules, registry);
        }
    }

    private static void destination(List<FieldError> out, String at, VirtualService.Destination dest, String ns,
                                    MeshRules rules, MeshSnapshot registry) {
        String host = Hostnames.resolve(dest.host(), ns);
        if (registry.service(host).isEmpty()) {
            out.add(new FieldError(at + ".host", host + " is not a known service (yet)"));
        }
        if (dest.subset() == null) {
            return;
        }
        String serviceNs = registry.service(host).map(s -> s.namespace()).orElse(ns);
        Optional<DestinationRule> dr = rules.destinationRuleFor(host, serviceNs);
        boolean defined = dr.isPresent() && dr.get().spec().subsets().stream().anyMatch(s -> dest.subset().equals(s.name()));
        if (!defined) {
            out.add(new FieldError(at + ".subset", "\"" + dest.subset() + "\" is not defined by any DestinationRule for "
                    + host + " (requests to it fail with 503 until it is)"));
        }
    }
}
