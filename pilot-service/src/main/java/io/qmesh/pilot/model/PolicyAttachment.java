package io.qmesh.pilot.model;

import io.qmesh.pilot.model.istio.PolicyTargetRef;
import io.qmesh.pilot.model.istio.RateLimitPolicy;
import io.qmesh.pilot.model.istio.VirtualService;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where {@code policy.qmesh.io} policies attach, as Gateway API attaches policies: a policy names a
 * Service in its own namespace and optionally one port and one http route of that Service's VirtualService;
 * it then acts on the inbound side of every sidecar whose workload backs the Service. Of several policies
 * for the same port (or the same port and route), the first in namespace/name order wins and the others
 * are reported as conflicts by the analyzer. Pure functions of the snapshot: the translator and the
 * analyzer agree on the answer.
 */
public final class PolicyAttachment {
    private PolicyAttachment() {
    }

    /** The rate limits of one inbound port: one for the whole port (null if none) and per named route, in route order. */
    public record InboundRateLimits(int port, RateLimitPolicy forPort, List<RouteRateLimit> forRoutes) {
    }

    /** A policy for one http route; {@code route} is the VirtualService route whose matches select the requests. */
    public record RouteRateLimit(VirtualService.HttpRoute route, RateLimitPolicy policy) {
    }

    /** Per inbound HTTP port of the sidecar, the rate limits that apply; ports without any are absent. */
    public static Map<Integer, InboundRateLimits> rateLimits(MeshSnapshot snapshot, ProxyNode proxy) {
        List<RateLimitPolicy> all = snapshot.rules().rateLimitPolicies();
        if (all.isEmpty() || proxy.type() != ProxyNode.Type.SIDECAR || proxy.serviceName().isEmpty()) {
            return Map.of();
        }
        Optional<Service> service = snapshot.service(Hostnames.fqdn(proxy.serviceName(), proxy.namespace()));
        Map<Integer, InboundRateLimits> out = new TreeMap<>();
        for (WorkloadPort wp : proxy.ports()) {
            if (!wp.protocol().isHttp() || out.containsKey(wp.port())) {
                continue;
            }
            RateLimitPolicy forPort = null;
            Map<String, RateLimitPolicy> byRoute = new LinkedHashMap<>();
            for (RateLimitPolicy p : all) {
                PolicyTargetRef ref = p.spec().targetRef();
                if (!p.metadata().namespace().equals(proxy.namespace()) || !ref.name().equals(proxy.serviceName())
                        || !selectsPort(ref, wp, service)) {
                    continue;
                }
                if (ref.route() == null) {
                    forPort = forPort == null ? p : forPort;
                } else {
                    byRoute.putIfAbsent(ref.route(), p);
                }
            }
            List<RouteRateLimit> routes = new ArrayList<>();
            if (!byRoute.isEmpty() && service.isPresent()) {
                snapshot.rules().meshVirtualService(service.get().hostname()).ifPresent(vs -> {
                    for (VirtualService.HttpRoute r : vs.spec().http()) {
                        if (r.name() != null && byRoute.containsKey(r.name())) {
                            routes.add(new RouteRateLimit(r, byRoute.remove(r.name())));
                        }
                    }
                });
            }
            if (forPort != null || !routes.isEmpty()) {
                out.put(wp.port(), new InboundRateLimits(wp.port(), forPort, List.copyOf(routes)));
            }
        }
        return out;
    }

    /** No port in the reference selects every port; {@code port} and {@code sectionName} name a Service port. */
    public static boolean selectsPort(PolicyTargetRef ref, WorkloadPort wp, Optional<Service> service) {
        if (ref.port() != null) {
            return ref.port() == wp.port() || service.flatMap(s -> s.port(ref.port()))
                    .map(sp -> !sp.name().isEmpty() && sp.name().equals(wp.name())).orElse(false);
        }
        if (ref.sectionName() != null) {
            return ref.sectionName().equals(wp.name()) || service.flatMap(s -> s.portByName(ref.sectionName()))
                    .map(sp -> sp.port() == wp.port()).orElse(false);
        }
        return true;
    }
}
