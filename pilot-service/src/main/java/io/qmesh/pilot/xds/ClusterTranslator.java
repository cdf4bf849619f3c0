package io.qmesh.pilot.xds;

import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.BindConfig;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig;
import io.qmesh.pilot.model.Durations;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.WorkloadPort;
import io.qmesh.pilot.model.istio.DestinationRule;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * CDS: an EDS cluster per service port and subset, the three special clusters, and for sidecars an
 * {@code inbound|port||} cluster per port of their own workload. DestinationRule settings map onto
 * load balancing, circuit breakers (Istio's defaults are unlimited, not Envoy's 1024), outlier detection
 * and HTTP protocol options.
 */
public final class ClusterTranslator {
    static final long UNLIMITED = 4_294_967_295L;
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final String HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    private static final CircuitBreakers UNLIMITED_BREAKERS = CircuitBreakers.newBuilder()
            .addThresholds(CircuitBreakers.Thresholds.newBuilder()
                    .setMaxConnections(Protos.u32(UNLIMITED))
                    .setMaxPendingRequests(Protos.u32(UNLIMITED))
                    .setMaxRequests(Protos.u32(UNLIMITED))
                    .setMaxRetries(Protos.u32(UNLIMITED))
                    .setTrackRemaining(true))
            .build();

    private ClusterTranslator() {
    }

    public static List<Cluster> translate(MeshSnapshot snapshot, ProxyNode proxy) {
        List<Cluster> out = new ArrayList<>(shared(snapshot));
        out.addAll(local(proxy));
        out.sort(Comparator.comparing(Cluster::getName));
        return out;
    }

    /** The clusters every proxy gets from a snapshot: outbound clusters, BlackHole, Passthrough. */
    static List<Cluster> shared(MeshSnapshot snapshot) {
        List<Cluster> out = new ArrayList<>();
        for (OutboundCluster c : OutboundCluster.all(snapshot)) {
            out.add(outbound(c));
        }
        out.add(Cluster.newBuilder()
                .setName(ClusterNames.BLACK_HOLE)
                .setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(Protos.duration(DEFAULT_CONNECT_TIMEOUT))
                .build());
        out.add(originalDst(ClusterNames.PASSTHROUGH).build());
        out.addAll(FallbackClusters.translate(FallbackPlan.of(snapshot)));
        return out;
    }

    /** The clusters of one sidecar's own workload: inbound passthrough and {@code inbound|port||}. */
    static List<Cluster> local(ProxyNode proxy) {
        List<Cluster> out = new ArrayList<>();
        if (proxy.type() == ProxyNode.Type.SIDECAR) {
            out.add(originalDst(ClusterNames.INBOUND_PASSTHROUGH).setUpstreamBindConfig(INBOUND_SOURCE).build());
            TreeMap<Integer, WorkloadPort> ports = new TreeMap<>();
            proxy.ports().forEach(p -> ports.putIfAbsent(p.port(), p));
            for (WorkloadPort p : ports.values()) {
                out.add(inbound(proxy, p));
            }
        }
        return out;
    }

    static Cluster outbound(OutboundCluster c) {
        TrafficPolicy policy = c.policy();
        Cluster.Builder b = Cluster.newBuilder().setName(c.name());
        if (c.passthrough()) {
            b.setType(Cluster.DiscoveryType.ORIGINAL_DST).setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED);
        } else {
            b.setType(Cluster.DiscoveryType.EDS)
                    .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                            .setEdsConfig(Protos.ads())
                            .setServiceName(c.name()));
            loadBalancer(b, policy.loadBalancer());
        }
        DestinationRule.TcpSettings tcp = policy.connectionPool() == null ? null : policy.connectionPool().tcp();
        DestinationRule.HttpSettings http = policy.connectionPool() == null ? null : policy.connectionPool().http();
        b.setConnectTimeout(Protos.duration(tcp != null && tcp.connectTimeout() != null
                ? Durations.parse(tcp.connectTimeout()) : DEFAULT_CONNECT_TIMEOUT));
        b.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                .setMaxConnections(Protos.u32(limit(tcp == null ? null : tcp.maxConnections())))
                .setMaxPendingRequests(Protos.u32(limit(http == null ? null : http.http1MaxPendingRequests())))
                .setMaxRequests(Protos.u32(limit(http == null ? null : http.http2MaxRequests())))
                .setMaxRetries(Protos.u32(limit(http == null ? null : http.maxRetries())))
                .setTrackRemaining(true)));
        if (policy.outlierDetection() != null) {
            b.setOutlierDetection(outlier(policy.outlierDetection()));
            // Istio always sets the panic threshold with outlier detection: minHealthPercent, default 0
            // (no panic; Envoy's own default would be 50 %).
            Integer minHealth = policy.outlierDetection().minHealthPercent();
            b.setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
                    .setHealthyPanicThreshold(io.envoyproxy.envoy.type.v3.Percent.newBuilder()
                            .setValue(minHealth == null ? 0 : minHealth)));
        }
        b.putTypedExtensionProtocolOptions(HTTP_OPTIONS, Protos.any(httpOptions(c.port().protocol().isHttp2(), http)));
        return b.build();
    }

    /** Istio: 0 or unset means unlimited (2^32-1). */
    private static long limit(Integer value) {
        return value == null || value == 0 ? UNLIMITED : value;
    }

    private static void loadBalancer(Cluster.Builder b, DestinationRule.LoadBalancer lb) {
        if (lb == null || (lb.simple() == null && lb.consistentHash() == null)) {
            b.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
            return;
        }
        if (lb.consistentHash() != null) {
            DestinationRule.ConsistentHash ch = lb.consistentHash();
            if (ch.maglev() != null) {
                b.setLbPolicy(Cluster.LbPolicy.MAGLEV).setMaglevLbConfig(Cluster.MaglevLbConfig.newBuilder()
                        .setTableSize(com.google.protobuf.UInt64Value.of(ch.maglev().tableSize() == null ? 65537 : ch.maglev().tableSize())));
            } else {
                long ring = ch.ringHash() != null && ch.ringHash().minimumRingSize() != null ? ch.ringHash().minimumRingSize()
                        : ch.minimumRingSize() != null ? ch.minimumRingSize() : 1024;
                b.setLbPolicy(Cluster.LbPolicy.RING_HASH).setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder()
                        .setMinimumRingSize(com.google.protobuf.UInt64Value.of(ring)));
            }
            return;
        }
        switch (lb.simple()) {
            case "ROUND_ROBIN" -> b.setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
            case "RANDOM" -> b.setLbPolicy(Cluster.LbPolicy.RANDOM);
            default -> b.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
        }
    }

    private static OutlierDetection outlier(DestinationRule.OutlierDetection od) {
        // Istio: success-rate ejection is always off; an unset consecutive5xxErrors keeps Envoy's default (5).
        OutlierDetection.Builder b = OutlierDetection.newBuilder().setEnforcingSuccessRate(Protos.u32(0));
        Integer c5xx = od.consecutive5xxErrors() != null ? od.consecutive5xxErrors() : od.consecutiveErrors();
        if (c5xx != null) {
            b.setConsecutive5Xx(Protos.u32(c5xx)).setEnforcingConsecutive5Xx(Protos.u32(c5xx > 0 ? 100 : 0));
        }
        if (od.consecutiveGatewayErrors() != null) {
            b.setConsecutiveGatewayFailure(Protos.u32(od.consecutiveGatewayErrors()))
                    .setEnforcingConsecutiveGatewayFailure(Protos.u32(od.consecutiveGatewayErrors() > 0 ? 100 : 0));
        }
        if (od.interval() != null) {
            b.setInterval(Protos.duration(Durations.parse(od.interval())));
        }
        if (od.baseEjectionTime() != null) {
            b.setBaseEjectionTime(Protos.duration(Durations.parse(od.baseEjectionTime())));
        }
        if (od.maxEjectionPercent() != null && od.maxEjectionPercent() > 0) { // 0: Envoy's default (10 %)
            b.setMaxEjectionPercent(Protos.u32(od.maxEjectionPercent()));
        }
        return b.build();
    }

    private static io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions httpOptions(
            boolean http2, DestinationRule.HttpSettings http) {
        HttpProtocolOptions.Builder common = HttpProtocolOptions.newBuilder()
                .setIdleTimeout(Protos.duration(http != null && http.idleTimeout() != null
                        ? Durations.parse(http.idleTimeout()) : Duration.ofHours(1)));
        if (http != null && http.maxRequestsPerConnection() != null && http.maxRequestsPerConnection() > 0) {
            common.setMaxRequestsPerConnection(Protos.u32(http.maxRequestsPerConnection()));
        }
        ExplicitHttpConfig.Builder explicit = ExplicitHttpConfig.newBuilder();
        if (http2) {
            explicit.setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance());
        } else {
            explicit.setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance());
        }
        return io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                .setCommonHttpProtocolOptions(common)
                .setExplicitHttpConfig(explicit)
                .build();
    }

    private static Cluster.Builder originalDst(String name) {
        return Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.ORIGINAL_DST)
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                .setConnectTimeout(Protos.duration(DEFAULT_CONNECT_TIMEOUT))
                .setCircuitBreakers(UNLIMITED_BREAKERS);
    }

    /**
     * The local application behind this sidecar. A static endpoint at the workload's own address with
     * iptables capture (the proxy's uid is exempt); in explicit-proxy mode (NONE), where the proxy's inbound
     * listener holds the workload address, the app's own address ({@code APP_ADDRESS}).
     */
    /**
     * Istio's source for connections to the proxy's own workload: the capture rules RETURN traffic from
     * 127.0.0.6 on lo, so the proxy's call to its pod address is not redirected back to 15006.
     */
    private static final BindConfig INBOUND_SOURCE = BindConfig.newBuilder()
            .setSourceAddress(SocketAddress.newBuilder().setAddress("127.0.0.6").setPortValue(0)).build();

    private static Cluster inbound(ProxyNode proxy, WorkloadPort port) {
        String name = ClusterNames.inbound(port.port());
        Cluster.Builder b = Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(Protos.duration(DEFAULT_CONNECT_TIMEOUT))
                .setLoadAssignment(ClusterLoadAssignment.newBuilder()
                        .setClusterName(name)
                        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                                .setEndpoint(Endpoint.newBuilder().setAddress(Protos.address(proxy.inboundEndpointAddress(), port.port()))))))
                .setCircuitBreakers(UNLIMITED_BREAKERS);
        if (!proxy.explicitProxy()) {
            b.setUpstreamBindConfig(INBOUND_SOURCE);
        }
        // An http2/grpc port speaks HTTP/2 to the app too, as Istio's inbound clusters do: gRPC
        // needs it end to end (trailers), and the proxy would otherwise send the app HTTP/1.1.
        if (port.protocol().isHttp2()) {
            b.putTypedExtensionProtocolOptions(HTTP_OPTIONS, Protos.any(httpOptions(true, null)));
        }
        return b.build();
    }
}
