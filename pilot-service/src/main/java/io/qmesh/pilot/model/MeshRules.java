package io.qmesh.pilot.model;

import io.qmesh.pilot.model.istio.DestinationRule;
import io.qmesh.pilot.model.istio.FallbackPolicy;
import io.qmesh.pilot.model.istio.Gateway;
import io.qmesh.pilot.model.istio.IstioConfig;
import io.qmesh.pilot.model.istio.Sidecar;
import io.qmesh.pilot.model.istio.VirtualService;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * All rules of one snapshot, split by kind and sorted by namespace then name, so that every translation
 * (and so every golden file) sees them in one deterministic order. Istio orders by creation time; we
 * order by name because our store's creation times are not stable across restores.
 */
public record MeshRules(List<VirtualService> virtualServices, List<DestinationRule> destinationRules,
                        List<Gateway> gateways, List<Sidecar> sidecars, List<FallbackPolicy> fallbackPolicies) {
    public static final MeshRules EMPTY = new MeshRules(List.of(), List.of(), List.of(), List.of(), List.of());

    public MeshRules {
        virtualServices = sorted(virtualServices);
        destinationRules = sorted(destinationRules);
        gateways = sorted(gateways);
        sidecars = sorted(sidecars);
        fallbackPolicies = sorted(fallbackPolicies);
    }

    public MeshRules(List<VirtualService> virtualServices, List<DestinationRule> destinationRules, List<Gateway> gateways,
                     List<Sidecar> sidecars) {
        this(virtualServices, destinationRules, gateways, sidecars, List.of());
    }

    public static MeshRules of(Collection<? extends IstioConfig> configs) {
        List<VirtualService> vs = new ArrayList<>();
        List<DestinationRule> dr = new ArrayList<>();
        List<Gateway> gw = new ArrayList<>();
        List<Sidecar> sc = new ArrayList<>();
        List<FallbackPolicy> fb = new ArrayList<>();
        for (IstioConfig c : configs) {
            if (c instanceof VirtualService v) {
                vs.add(v);
            } else if (c instanceof DestinationRule d) {
                dr.add(d);
            } else if (c instanceof Gateway g) {
                gw.add(g);
            } else if (c instanceof Sidecar s) {
                sc.add(s);
            } else if (c instanceof FallbackPolicy f) {
                fb.add(f);
            }
        }
        return new MeshRules(vs, dr, gw, sc, fb);
    }

    public List<IstioConfig> all() {
        List<IstioConfig> out = new ArrayList<>(virtualServices);
        out.addAll(destinationRules);
        out.addAll(gateways);
        out.addAll(sidecars);
        out.addAll(fallbackPolicies);
        return out;
    }

    /**
     * The FallbackPolicy for a service port: the first (in namespace/name order) in the service's namespace
     * whose targetRef names the service and either this port or no port. Policies attach only within
     * their own namespace, as Gateway API policies do.
     */
    public Optional<FallbackPolicy> fallbackPolicyFor(Service service, int port) {
        return fallbackPolicies.stream()
                .filter(f -> f.metadata().namespace().equals(service.namespace()))
                .filter(f -> f.spec().targetRef() != null && service.name().equals(f.spec().targetRef().name()))
                .filter(f -> f.spec().targetRef().port() == null || f.spec().targetRef().port() == port)
                .findFirst();
    }

    /**
     * The DestinationRule for a host: the first (in namespace/name order) whose resolved host equals it,
     * preferring one in the service's own namespace as Istio does.
     */
    public Optional<DestinationRule> destinationRuleFor(String hostname, String serviceNamespace) {
        Optional<DestinationRule> sameNs = destinationRules.stream()
                .filter(d -> d.metadata().namespace().equals(serviceNamespace))
                .filter(d -> hostname.equals(Hostnames.resolve(d.spec().host(), d.metadata().namespace())))
                .findFirst();
        if (sameNs.isPresent()) {
            return sameNs;
        }
        return destinationRules.stream()
                .filter(d -> hostname.equals(Hostnames.resolve(d.spec().host(), d.metadata().namespace())))
                .findFirst();
    }

    private static <T extends IstioConfig> List<T> sorted(List<T> in) {
        return in.stream()
                .sorted(Comparator.comparing((T c) -> c.metadata().namespace()).thenComparing(c -> c.metadata().name()))
                .toList();
    }
}
