package io.qmesh.pilot.xds;

import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.qmesh.pilot.model.Hostnames;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.ServicePort;
import io.qmesh.pilot.model.istio.VirtualService;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * RDS. Sidecars get one route configuration per outbound HTTP port, named by the port ({@code "9080"}),
 * with a virtual host {@code <fqdn>:<port>} per service on that port and a catch-all {@code allow_any}.
 * Gateways get {@code http.<port>} per Gateway server port, with the VirtualServices bound to them.
 */
public final class RouteTranslator {
    private RouteTranslator() {
    }

    public static List<RouteConfiguration> translate(MeshSnapshot snapshot, ProxyNode proxy) {
        List<RouteConfiguration> out = new ArrayList<>();
        if (proxy.type() == ProxyNode.Type.ROUTER) {
            GatewayServers.byPort(snapshot, proxy).forEach((port, servers) ->
                    out.add(gateway(snapshot, proxy, port, servers)));
        } else {
            for (int port : httpPorts(snapshot)) {
                out.add(sidecar(snapshot, proxy, port));
            }
        }
        return FallbackRoutes.apply(FallbackPlan.of(snapshot), out, proxy.type() != ProxyNode.Type.ROUTER);
    }

    /** Outbound ports on which at least one service speaks HTTP, sorted. */
    static Set<Integer> httpPorts(MeshSnapshot snapshot) {
        Set<Integer> ports = new TreeSet<>();
        for (Service s : snapshot.services()) {
            for (ServicePort p : s.ports()) {
                if (p.protocol().isHttp()) {
                    ports.add(p.port());
                }
            }
        }
        return ports;
    }

    static String gatewayRouteName(int port) {
        return "http." + port;
    }

    private static RouteConfiguration sidecar(MeshSnapshot snapshot, ProxyNode proxy, int port) {
        RouteContext ctx = new RouteContext(snapshot, proxy, port, Set.of(RouteContext.MESH));
        RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName(Integer.toString(port)).setValidateClusters(com.google.protobuf.BoolValue.of(false));
        for (Service s : snapshot.services()) {
            Optional<ServicePort> sp = s.port(port);
            if (sp.isEmpty() || !sp.get().protocol().isHttp()) {
                continue;
            }
            VirtualHost.Builder vh = VirtualHost.newBuilder()
                    .setName(s.hostname() + ":" + port)
                    .addAllDomains(domains(s, port, proxy.namespace()));
            Optional<VirtualService> vs = meshVirtualService(snapshot, s.hostname());
            if (vs.isPresent()) {
                for (VirtualService.HttpRoute r : vs.get().spec().http()) {
                    vh.addAllRoutes(HttpRouteBuilder.build(ctx, vs.get().metadata().namespace(), r));
                }
            } else {
                vh.addRoutes(HttpRouteBuilder.defaultRoute(ClusterNames.outbound(port, "", s.hostname())));
            }
            rc.addVirtualHosts(vh);
        }
        rc.addVirtualHosts(VirtualHost.newBuilder()
                .setName("allow_any")
                .addDomains("*")
                .addRoutes(Route.newBuilder()
                        .setName("allow_any")
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder()
                                .setCluster(ClusterNames.PASSTHROUGH)
                                .setTimeout(Protos.seconds(0)))));
        return rc.build();
    }

    /**
     * Every name a client may use for the service: fqdn, {@code name.ns.svc}, {@code name.ns}, the short
     * name (only from the same namespace, where it resolves), the virtual IP; each also with {@code :port}.
     */
    static List<String> domains(Service s, int port, String proxyNamespace) {
        Set<String> names = new LinkedHashSet<>();
        names.add(s.hostname());
        names.add(s.name() + "." + s.namespace() + ".svc");
        names.add(s.name() + "." + s.namespace());
        if (s.namespace().equals(proxyNamespace)) {
            names.add(s.name());
        }
        if (!s.address().isEmpty()) {
            names.add(s.address());
        }
        List<String> out = new ArrayList<>();
        for (String n : names) {
            out.add(n);
            out.add(n + ":" + port);
        }
        return out;
    }

    /** The first VirtualService (namespace/name order) bound to the mesh whose hosts match the service. */
    private static Optional<VirtualService> meshVirtualService(MeshSnapshot snapshot, String hostname) {
        return snapshot.rules().meshVirtualService(hostname);
    }

    private static RouteConfiguration gateway(MeshSnapshot snapshot, ProxyNode proxy, int port,
                                              List<GatewayServers.Bound> servers) {
        Set<String> gateways = GatewayServers.names(servers);
        RouteContext ctx = new RouteContext(snapshot, proxy, port, gateways);
        Map<String, VirtualHost.Builder> hosts = new TreeMap<>();
        for (VirtualService vs : snapshot.rules().virtualServices()) {
            String ns = vs.metadata().namespace();
            boolean bound = vs.spec().gateways().stream()
                    .map(g -> g.contains("/") ? g : ns + "/" + g)
                    .anyMatch(gateways::contains);
            if (!bound) {
                continue;
            }
            for (String h : vs.spec().hosts()) {
                String host = Hostnames.resolve(h, ns);
                if (servers.stream().noneMatch(b -> serves(b.server(), host))) {
                    continue;
                }
                VirtualHost.Builder vh = hosts.computeIfAbsent(host, k -> VirtualHost.newBuilder()
                        .setName(k + ":" + port)
                        .addAllDomains(k.equals("*") ? List.of("*") : List.of(k, k + ":" + port)));
                for (VirtualService.HttpRoute r : vs.spec().http()) {
                    vh.addAllRoutes(HttpRouteBuilder.build(ctx, ns, r));
                }
            }
        }
        RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName(gatewayRouteName(port))
                .setValidateClusters(com.google.protobuf.BoolValue.of(false));
        if (hosts.isEmpty()) {
            rc.addVirtualHosts(VirtualHost.newBuilder()
                    .setName("blackhole:" + port)
                    .addDomains("*")
                    .addRoutes(Route.newBuilder().setName("default")
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setDirectResponse(DirectResponseAction.newBuilder().setStatus(404))));
        }
        hosts.values().forEach(rc::addVirtualHosts);
        return rc.build();
    }

    /** A Gateway server host ({@code *}, {@code ns/*}, {@code *.example.com}) admits a VirtualService host. */
    private static boolean serves(io.qmesh.pilot.model.istio.Gateway.Server server, String vsHost) {
        for (String h : server.hosts()) {
            String pattern = h.contains("/") ? h.substring(h.indexOf('/') + 1) : h;
            if (Hostnames.matches(pattern, vsHost) || Hostnames.matches(vsHost, pattern)) {
                return true;
            }
        }
        return false;
    }
}
