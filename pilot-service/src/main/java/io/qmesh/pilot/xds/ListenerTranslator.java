package io.qmesh.pilot.xds;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.PolicyAttachment;
import io.qmesh.pilot.model.PolicyAttachment.InboundRateLimits;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.ServicePort;
import io.qmesh.pilot.model.WorkloadPort;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * LDS. A sidecar gets {@code virtualOutbound} (15001, original destination, falling back to the
 * passthrough cluster), one outbound listener per service port ({@code 0.0.0.0_9080}, HTTP through RDS
 * route config {@code "9080"}, or TCP to the port's only service), and {@code virtualInbound} (15006) with
 * a filter chain per port of its own workload. A gateway gets one bound listener per Gateway server port.
 *
 * <p>Explicit-proxy mode ({@code INTERCEPTION_MODE=NONE}, several "pods" on one host): nothing is captured,
 * so bound listeners use the proxy's own address instead of the wildcard, {@code virtualOutbound} is the
 * app's HTTP proxy, and instead of {@code virtualInbound} each workload port gets a listener
 * {@code <ip>_<port>} on the workload address itself (as Istio does for uncaptured Sidecar ingress), whose
 * inbound cluster delivers to the app's own address.
 */
public final class ListenerTranslator {
    public static final String VIRTUAL_OUTBOUND = "virtualOutbound";
    public static final String VIRTUAL_INBOUND = "virtualInbound";
    public static final int OUTBOUND_PORT = 15001;
    public static final int INBOUND_PORT = 15006;
    static final String HCM = "envoy.filters.network.http_connection_manager";
    static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";

    private ListenerTranslator() {
    }

    public static List<Listener> translate(MeshSnapshot snapshot, ProxyNode proxy) {
        if (proxy.type() == ProxyNode.Type.ROUTER) {
            return gateway(snapshot, proxy);
        }
        return forSidecar(sidecarShared(snapshot), own(proxy, PolicyAttachment.rateLimits(snapshot, proxy)));
    }

    /**
     * One sidecar's listeners: the shared ones with its {@link #own} listeners added, an own listener
     * replacing a shared one of the same name ({@code virtualOutbound} in explicit-proxy mode).
     */
    static List<Listener> forSidecar(List<Listener> shared, List<Listener> own) {
        List<Listener> out = new ArrayList<>(shared.size() + own.size());
        java.util.Set<String> ownNames = new java.util.HashSet<>();
        own.forEach(l -> ownNames.add(l.getName()));
        for (Listener l : shared) {
            if (!ownNames.contains(l.getName())) {
                out.add(l);
            }
        }
        out.addAll(own);
        out.sort(Comparator.comparing(Listener::getName));
        return out;
    }

    /**
     * The listeners that depend on the sidecar, not on the rest of the snapshot: {@code virtualInbound},
     * or in explicit-proxy mode {@code virtualOutbound} rebound to the proxy's address plus the per-port
     * inbound listeners; of the snapshot only the rate limits attached to its inbound ports matter.
     */
    static List<Listener> own(ProxyNode proxy, Map<Integer, InboundRateLimits> rateLimits) {
        if (!proxy.explicitProxy()) {
            return List.of(virtualInbound(proxy, rateLimits));
        }
        List<Listener> out = new ArrayList<>();
        out.add(virtualOutbound().toBuilder().setAddress(Protos.address(proxy.listenerAddress(), OUTBOUND_PORT)).build());
        out.addAll(explicitInbound(proxy, rateLimits));
        return out;
    }

    /** A gateway's listeners: one per port of the Gateway servers that select it. */
    static List<Listener> gateway(MeshSnapshot snapshot, ProxyNode proxy) {
        List<Listener> out = new ArrayList<>();
        GatewayServers.byPort(snapshot, proxy).keySet().forEach(port ->
                out.add(Listener.newBuilder()
                        .setName("0.0.0.0_" + port)
                        .setAddress(Protos.address(proxy.listenerAddress(), port))
                        .setTrafficDirection(TrafficDirection.OUTBOUND)
                        .addFilterChains(FilterChain.newBuilder()
                                .addFilters(hcm("outbound_0.0.0.0_" + port, RouteTranslator.gatewayRouteName(port), null,
                                        FallbackPlan.of(snapshot).usesCustomResponse(false))))
                        .build()));
        return out;
    }

    /** The listeners every sidecar gets from a snapshot: virtualOutbound and the per-port outbound ones. */
    static List<Listener> sidecarShared(MeshSnapshot snapshot) {
        List<Listener> out = new ArrayList<>();
        out.add(virtualOutbound());
        out.addAll(outbound(snapshot));
        return out;
    }

    private static Listener virtualOutbound() {
        return Listener.newBuilder()
                .setName(VIRTUAL_OUTBOUND)
                .setAddress(Protos.address("0.0.0.0", OUTBOUND_PORT))
                .setUseOriginalDst(BoolValue.of(true))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder()
                        .setName("virtualOutbound-catchall-tcp")
                        .addFilters(tcpProxy(ClusterNames.PASSTHROUGH, ClusterNames.PASSTHROUGH)))
                .build();
    }

    /** Per-port listeners are reached through 15001's original-destination hand-off, so they do not bind. */
    private static List<Listener> outbound(MeshSnapshot snapshot) {
        Map<Integer, List<Service>> byPort = new TreeMap<>();
        Map<Integer, Boolean> http = new TreeMap<>();
        for (Service s : snapshot.services()) {
            for (ServicePort p : s.ports()) {
                byPort.computeIfAbsent(p.port(), k -> new ArrayList<>()).add(s);
                http.merge(p.port(), p.protocol().isHttp(), Boolean::logicalOr);
            }
        }
        List<Listener> out = new ArrayList<>();
        boolean customResponse = FallbackPlan.of(snapshot).usesCustomResponse(true);
        byPort.forEach((port, services) -> {
            Filter filter;
            String name = "0.0.0.0_" + port;
            if (http.get(port)) {
                filter = hcm("outbound_" + name, Integer.toString(port), null, customResponse);
            } else if (services.size() == 1) {
                String cluster = ClusterNames.outbound(port, "", services.get(0).hostname());
                filter = tcpProxy(cluster, cluster);
            } else {
                return; // several TCP services share the port and no address tells them apart: passthrough
            }
            out.add(Listener.newBuilder()
                    .setName(name)
                    .setAddress(Protos.address("0.0.0.0", port))
                    .setBindToPort(BoolValue.of(false))
                    .setTrafficDirection(TrafficDirection.OUTBOUND)
                    .addFilterChains(FilterChain.newBuilder().addFilters(filter))
                    .build());
        });
        return out;
    }

    static Listener virtualInbound(ProxyNode proxy, Map<Integer, InboundRateLimits> rateLimits) {
        Listener.Builder b = Listener.newBuilder()
                .setName(VIRTUAL_INBOUND)
                .setAddress(Protos.address("0.0.0.0", INBOUND_PORT))
                .setTrafficDirection(TrafficDirection.INBOUND)
                .addListenerFilters(ListenerFilter.newBuilder()
                        .setName("envoy.filters.listener.original_dst")
                        .setTypedConfig(Protos.any(OriginalDst.getDefaultInstance())));
        for (WorkloadPort p : inboundPorts(proxy)) {
            b.addFilterChains(FilterChain.newBuilder()
                    .setName("0.0.0.0_" + p.port())
                    .setFilterChainMatch(FilterChainMatch.newBuilder().setDestinationPort(Protos.u32(p.port())))
                    .addFilters(inboundFilter(p, rateLimits.get(p.port()))));
        }
        b.addFilterChains(FilterChain.newBuilder()
                .setName("virtualInbound-catchall-tcp")
                .addFilters(tcpProxy(ClusterNames.INBOUND_PASSTHROUGH, ClusterNames.INBOUND_PASSTHROUGH)));
        return b.build();
    }

    /** Explicit-proxy mode: one bound listener per workload port, on the workload address. */
    static List<Listener> explicitInbound(ProxyNode proxy, Map<Integer, InboundRateLimits> rateLimits) {
        List<Listener> out = new ArrayList<>();
        for (WorkloadPort p : inboundPorts(proxy)) {
            out.add(Listener.newBuilder()
                    .setName(proxy.ip() + "_" + p.port())
                    .setAddress(Protos.address(proxy.ip(), p.port()))
                    .setTrafficDirection(TrafficDirection.INBOUND)
                    .addFilterChains(FilterChain.newBuilder().setName("0.0.0.0_" + p.port())
                            .addFilters(inboundFilter(p, rateLimits.get(p.port()))))
                    .build());
        }
        return out;
    }

    private static Collection<WorkloadPort> inboundPorts(ProxyNode proxy) {
        TreeMap<Integer, WorkloadPort> ports = new TreeMap<>();
        proxy.ports().forEach(p -> ports.putIfAbsent(p.port(), p));
        return ports.values();
    }

    /**
     * The inbound side of one workload port: HTTP to the local app through an inline route, or TCP. A port
     * with rate limits gets the local rate limit filter and the policies on its routes.
     */
    private static Filter inboundFilter(WorkloadPort p, InboundRateLimits rateLimits) {
        if (!p.protocol().isHttp()) {
            return tcpProxy("inbound_0.0.0.0_" + p.port(), ClusterNames.inbound(p.port()));
        }
        if (rateLimits == null) {
            return hcm("inbound_0.0.0.0_" + p.port(), null, inboundRoutes(p));
        }
        return hcm("inbound_0.0.0.0_" + p.port(), null, RateLimitTranslator.apply(inboundRoutes(p), rateLimits), false,
                RateLimitTranslator.filter());
    }

    /** Inbound routing is trivial (everything to the local app), so it is inline rather than another RDS name. */
    private static RouteConfiguration inboundRoutes(WorkloadPort p) {
        String cluster = ClusterNames.inbound(p.port());
        return RouteConfiguration.newBuilder()
                .setName(cluster)
                .setValidateClusters(BoolValue.of(false))
                .addVirtualHosts(VirtualHost.newBuilder()
                        .setName("inbound|http|" + p.port())
                        .addDomains("*")
                        .addRoutes(Route.newBuilder()
                                .setName("default")
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(RouteAction.newBuilder().setCluster(cluster).setTimeout(Protos.seconds(0)))))
                .build();
    }

    /** An HTTP connection manager with either an RDS name or an inline route configuration. */
    static Filter hcm(String statPrefix, String rdsName, RouteConfiguration inline) {
        return hcm(statPrefix, rdsName, inline, false, null);
    }

    /**
     * @param customResponse whether to run {@code envoy.filters.http.custom_response} (before the router, so it
     *                       sees the router's responses): response FallbackPolicies configure it per route
     */
    static Filter hcm(String statPrefix, String rdsName, RouteConfiguration inline, boolean customResponse) {
        return hcm(statPrefix, rdsName, inline, customResponse, null);
    }

    /** The same, with {@code rateLimit} (if not null) after the fault filter: a RateLimitPolicy's local rate limit. */
    static Filter hcm(String statPrefix, String rdsName, RouteConfiguration inline, boolean customResponse,
                      HttpFilter rateLimit) {
        HttpConnectionManager.Builder h = HttpConnectionManager.newBuilder()
                .setStatPrefix(statPrefix)
                // WebSocket allowed on every HTTP listener, as Istio's connection managers do.
                .addUpgradeConfigs(HttpConnectionManager.UpgradeConfig.newBuilder().setUpgradeType("websocket"))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(HttpRouteBuilder.FAULT_FILTER)
                        .setTypedConfig(Protos.any(HTTPFault.getDefaultInstance())));
        if (rateLimit != null) {
            h.addHttpFilters(rateLimit);
        }
        if (customResponse) {
            h.addHttpFilters(HttpFilter.newBuilder()
                    .setName(FallbackRoutes.CUSTOM_RESPONSE)
                    .setTypedConfig(Protos.any(io.envoyproxy.envoy.extensions.filters.http.custom_response.v3.CustomResponse
                            .getDefaultInstance())));
        }
        h.addHttpFilters(HttpFilter.newBuilder()
                .setName("envoy.filters.http.router")
                .setTypedConfig(Protos.any(Router.getDefaultInstance())));
        if (rdsName != null) {
            h.setRds(Rds.newBuilder().setConfigSource(Protos.ads()).setRouteConfigName(rdsName));
        } else {
            h.setRouteConfig(inline);
        }
        return Filter.newBuilder().setName(HCM).setTypedConfig(Protos.any(h.build())).build();
    }

    private static Filter tcpProxy(String statPrefix, String cluster) {
        return Filter.newBuilder()
                .setName(TCP_PROXY)
                .setTypedConfig(Protos.any(TcpProxy.newBuilder().setStatPrefix(statPrefix).setCluster(cluster).build()))
                .build();
    }

    /** The RDS names a listener refers to, for the consistency check. */
    static List<String> rdsNames(Listener l) {
        List<String> out = new ArrayList<>();
        for (FilterChain fc : l.getFilterChainsList()) {
            for (Filter f : fc.getFiltersList()) {
                if (f.getName().equals(HCM)) {
                    try {
                        HttpConnectionManager h = f.getTypedConfig().unpack(HttpConnectionManager.class);
                        if (h.hasRds()) {
                            out.add(h.getRds().getRouteConfigName());
                        }
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new IllegalStateException("listener " + l.getName() + " has a malformed HCM", e);
                    }
                }
            }
        }
        return out;
    }
}
