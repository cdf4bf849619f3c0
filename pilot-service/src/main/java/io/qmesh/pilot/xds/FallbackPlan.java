package io.qmesh.pilot.xds;

import io.qmesh.pilot.model.Hostnames;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.istio.FallbackPolicy;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The FallbackPolicies of a snapshot resolved onto clusters: for every outbound HTTP cluster of a
 * policy's target (the service's default cluster and each subset's, on the ports the policy names), the
 * policy and, for a destination fallback, the existing outbound cluster the fallback goes to. A
 * destination whose cluster does not exist (unknown service or subset) leaves the target untouched, as a
 * VirtualService to an undefined subset does not break the other routes; the analyzer warns about it.
 */
record FallbackPlan(Map<String, Target> byPrimaryCluster) {
    static final String HEADER = "x-qmesh-fallback";

    /**
     * @param fallback the cluster a destination fallback goes to, or null for a response fallback
     */
    record Target(FallbackPolicy policy, OutboundCluster primary, OutboundCluster fallback) {
        /** {@code namespace/name}: the value of the {@code x-qmesh-fallback} header on fallback responses. */
        String policyRef() {
            return policy.metadata().namespace() + "/" + policy.metadata().name();
        }

        /** {@code aggregate~<ns>~<policy>|9080|v2|reviews.default.svc.cluster.local}: the primary, then the fallback. */
        String aggregateName() {
            return "aggregate~" + policyPrefix() + primary.name().substring(primary.name().indexOf('|'));
        }

        /**
         * A destination fallback that takes Overflow: Envoy never retries a request its circuit breaker
         * refused, so custom_response redirects the overflow reply to {@link #fallbackAuthority()} instead.
         */
        boolean redirectsOverflow() {
            return fallback != null && policy.effectiveConditions().contains(FallbackPolicy.Condition.OVERFLOW);
        }

        /**
         * {@code reviews-v1.default.fallback.qmesh.internal}: with {@link #fallbackPort()}, the authority of the
         * internal virtual host (one route, to {@link #fallbackName()}) an overflowed request is redirected to.
         * The port tells apart the fallback clusters of one policy's ports should they share a route configuration.
         */
        String fallbackHost() {
            return policy.metadata().name() + "." + policy.metadata().namespace() + ".fallback.qmesh.internal";
        }

        int fallbackPort() {
            return fallback.port().port();
        }

        /** {@code fallback~<ns>~<policy>|9080|v1|reviews...}: the fallback's endpoints, marking what it serves. */
        String fallbackName() {
            return "fallback~" + policyPrefix() + fallback.name().substring(fallback.name().indexOf('|'));
        }

        private String policyPrefix() {
            return policy.metadata().namespace() + "~" + policy.metadata().name();
        }
    }

    static FallbackPlan of(MeshSnapshot snapshot) {
        Map<String, Target> out = new TreeMap<>();
        if (snapshot.rules().fallbackPolicies().isEmpty()) {
            return new FallbackPlan(out);
        }
        Map<String, OutboundCluster> clusters = new TreeMap<>();
        OutboundCluster.all(snapshot).forEach(c -> clusters.put(c.name(), c));
        for (OutboundCluster c : clusters.values()) {
            if (c.passthrough() || !c.port().protocol().isHttp()) {
                continue;
            }
            Optional<FallbackPolicy> policy = snapshot.rules().fallbackPolicyFor(c.service(), c.port().port());
            if (policy.isEmpty()) {
                continue;
            }
            FallbackPolicy.Destination d = policy.get().spec().fallback().destination();
            if (d == null) {
                out.put(c.name(), new Target(policy.get(), c, null));
                continue;
            }
            OutboundCluster fallback = clusters.get(fallbackCluster(snapshot, policy.get(), d, c));
            if (fallback != null && !fallback.name().equals(c.name())) {
                out.put(c.name(), new Target(policy.get(), c, fallback));
            }
        }
        return new FallbackPlan(out);
    }

    /** The destination's port, else the target's port for the same service, else the service's only port. */
    private static String fallbackCluster(MeshSnapshot snapshot, FallbackPolicy policy, FallbackPolicy.Destination d,
                                          OutboundCluster primary) {
        String host = Hostnames.resolve(d.host(), policy.metadata().namespace());
        int port = primary.port().port();
        if (d.port() != null) {
            port = d.port();
        } else if (!host.equals(primary.service().hostname())) {
            Optional<Service> s = snapshot.service(host);
            if (s.isPresent() && s.get().ports().size() == 1) {
                port = s.get().ports().get(0).port();
            }
        }
        return ClusterNames.outbound(port, d.subset(), host);
    }

    Collection<Target> targets() {
        return byPrimaryCluster.values();
    }

    /**
     * Whether some target needs envoy.filters.http.custom_response: a response fallback, or on a sidecar an
     * overflow redirect (see {@link FallbackRoutes#apply} for why gateways get none).
     */
    boolean usesCustomResponse(boolean sidecar) {
        return byPrimaryCluster.values().stream().anyMatch(t -> t.fallback() == null || sidecar && t.redirectsOverflow());
    }
}
