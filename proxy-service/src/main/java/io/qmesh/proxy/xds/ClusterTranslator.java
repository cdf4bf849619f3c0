package io.qmesh.proxy.xds;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.netty.util.NetUtil;
import io.qmesh.proxy.cluster.LbPolicy;
import io.qmesh.proxy.cluster.UpstreamCluster;
import io.qmesh.proxy.cluster.UpstreamProtocol;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.lb.EjectionAwareLoadBalancer;
import io.qmesh.proxy.lb.LbEndpoint;
import io.qmesh.proxy.lb.LeastRequestLoadBalancer;
import io.qmesh.proxy.lb.LoadBalancer;
import io.qmesh.proxy.lb.MaglevLoadBalancer;
import io.qmesh.proxy.lb.RandomLoadBalancer;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.lb.RingHashLoadBalancer;
import io.qmesh.proxy.lb.RoundRobinLoadBalancer;
import io.qmesh.proxy.resilience.ClusterResilience;
import io.qmesh.proxy.resilience.OutlierDetector;
import io.qmesh.proxy.resilience.ResilienceRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cluster (+ its ClusterLoadAssignment) -> {@link UpstreamCluster} with a ready load balancer.
 * Endpoint counters are looked up by cluster and address so that they survive config generations.
 */
public final class ClusterTranslator {

    static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    /** Istio's default connect timeout. */
    static final long DEFAULT_CONNECT_TIMEOUT_MILLIS = 10_000;

    /** Envoy's default upstream idle_timeout: one hour. */
    static final long DEFAULT_IDLE_TIMEOUT_MILLIS = 3_600_000;

    private final RandomSource random;
    private final ResilienceRegistry resilience;
    private final ConcurrentHashMap<String, LbEndpoint.Counters> counters = new ConcurrentHashMap<>();

    /** @param resilience per-cluster circuit breakers and outlier detectors, kept across generations */
    public ClusterTranslator(RandomSource random, ResilienceRegistry resilience) {
        this.random = random;
        this.resilience = resilience;
    }

    /** The EDS name of a cluster: eds_cluster_config.service_name, defaulting to the cluster name. */
    public static String edsName(Cluster c) {
        String s = c.getEdsClusterConfig().getServiceName();
        return s.isEmpty() ? c.getName() : s;
    }

    public UpstreamCluster translate(Cluster c, ClusterLoadAssignment assignment) throws InvalidConfigException {
        String field = "clusters[" + c.getName() + "]";
        if (c.getName().isEmpty()) {
            throw new InvalidConfigException("clusters[]: name \"\" (expected: a cluster name)");
        }
        if (c.hasClusterType()) {
            return aggregate(c, field);
        }
        LbPolicy policy = switch (c.getLbPolicy()) {
            case ROUND_ROBIN -> LbPolicy.ROUND_ROBIN;
            case LEAST_REQUEST -> LbPolicy.LEAST_REQUEST;
            case RANDOM -> LbPolicy.RANDOM;
            case RING_HASH -> LbPolicy.RING_HASH;
            case MAGLEV -> LbPolicy.MAGLEV;
            // Envoy requires CLUSTER_PROVIDED for ORIGINAL_DST clusters (Istio's Passthrough clusters): each
            // connection's original destination is its endpoint.
            case CLUSTER_PROVIDED -> {
                if (c.getType() != Cluster.DiscoveryType.ORIGINAL_DST) {
                    throw new InvalidConfigException(field + ".lb_policy: CLUSTER_PROVIDED (expected: only with type ORIGINAL_DST)");
                }
                yield LbPolicy.CLUSTER_PROVIDED;
            }
            default -> throw new InvalidConfigException(field + ".lb_policy: " + c.getLbPolicy()
                    + " (expected: ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH or MAGLEV)");
        };
        long connectTimeout = c.hasConnectTimeout()
                ? Durations.millis(c.getConnectTimeout(), field + ".connect_timeout") : DEFAULT_CONNECT_TIMEOUT_MILLIS;
        ClusterLoadAssignment cla = switch (c.getType()) {
            case EDS -> assignment;
            case STATIC, STRICT_DNS, LOGICAL_DNS -> c.getLoadAssignment();
            case ORIGINAL_DST -> null; // Passthrough: no endpoints of its own (LbPolicy.CLUSTER_PROVIDED).
            default -> throw new InvalidConfigException(field + ".type: " + c.getType()
                    + " (expected: EDS, STATIC, STRICT_DNS, LOGICAL_DNS or ORIGINAL_DST)");
        };
        List<LbEndpoint> endpoints = cla == null ? List.of()
                : endpoints(c.getName(), cla, c.getType() == Cluster.DiscoveryType.EDS
                        ? "endpoints[" + cla.getClusterName() + "]" : field + ".load_assignment");
        LoadBalancer lb = switch (policy) {
            case ROUND_ROBIN -> new RoundRobinLoadBalancer(endpoints, random);
            case LEAST_REQUEST -> new LeastRequestLoadBalancer(endpoints, random);
            case RANDOM -> new RandomLoadBalancer(endpoints, random);
            case RING_HASH -> new RingHashLoadBalancer(endpoints, random,
                    (int) Math.min(8_388_608, c.getRingHashLbConfig().hasMinimumRingSize()
                            ? c.getRingHashLbConfig().getMinimumRingSize().getValue() : 1024),
                    (int) Math.min(8_388_608, c.getRingHashLbConfig().hasMaximumRingSize()
                            ? c.getRingHashLbConfig().getMaximumRingSize().getValue() : 8_388_608));
            case MAGLEV -> new MaglevLoadBalancer(endpoints, random, maglevTableSize(c, field));
            case CLUSTER_PROVIDED -> new RoundRobinLoadBalancer(endpoints, random); // empty: see OriginalDestination
        };
        String[] parts = c.getName().split("\\|", -1);
        String service = parts.length == 4 && !parts[3].isEmpty() ? parts[3] : c.getName();
        String subset = parts.length == 4 ? parts[2] : "";
        HttpProtocolOptions httpOptions = httpProtocolOptions(c, field);
        var common = httpOptions != null && httpOptions.hasCommonHttpProtocolOptions()
                ? httpOptions.getCommonHttpProtocolOptions() : c.getCommonHttpProtocolOptions();
        int maxPerConnection = common.hasMaxRequestsPerConnection() ? common.getMaxRequestsPerConnection().getValue()
                : c.hasMaxRequestsPerConnection() ? c.getMaxRequestsPerConnection().getValue() : 0;
        long idleTimeout = common.hasIdleTimeout()
                ? Durations.millis(common.getIdleTimeout(), field + ".common_http_protocol_options.idle_timeout")
                : DEFAULT_IDLE_TIMEOUT_MILLIS;
        ClusterResilience state = resilience.forCluster(c.getName());
        OutlierDetector.Config outlier = ResilienceTranslator.outlierDetection(c, field);
        if (outlier != null) {
            lb = new EjectionAwareLoadBalancer(lb, state.outlierDetector(), c.getCommonLbConfig().hasHealthyPanicThreshold()
                    ? c.getCommonLbConfig().getHealthyPanicThreshold().getValue() : 50.0);
        }
        return new UpstreamCluster(c.getName(), policy, connectTimeout, maxPerConnection, lb, service, subset,
                protocol(c, field), idleTimeout, ResilienceTranslator.thresholds(c, field), outlier, state, List.of(),
                UpstreamFilters.responseMutations(httpOptions, field), sourceAddress(c, field));
    }

    /** An aggregate cluster: no endpoints of its own, each attempt goes to one of its children. */
    private UpstreamCluster aggregate(Cluster c, String field) throws InvalidConfigException {
        List<String> children = UpstreamFilters.aggregateClusters(c, field);
        long connectTimeout = c.hasConnectTimeout()
                ? Durations.millis(c.getConnectTimeout(), field + ".connect_timeout") : DEFAULT_CONNECT_TIMEOUT_MILLIS;
        String[] parts = c.getName().split("\\|", -1);
        return new UpstreamCluster(c.getName(), LbPolicy.CLUSTER_PROVIDED, connectTimeout, 0,
                new RoundRobinLoadBalancer(List.of(), random), parts.length == 4 ? parts[3] : c.getName(),
                parts.length == 4 ? parts[2] : "", UpstreamProtocol.HTTP1, DEFAULT_IDLE_TIMEOUT_MILLIS,
                ResilienceTranslator.thresholds(c, field), null, resilience.forCluster(c.getName()), children,
                io.qmesh.proxy.route.HeaderMutation.NONE, null);
    }

    /** upstream_bind_config.source_address: an IP literal (port 0 lets the kernel pick one), or null if unset. */
    private static InetSocketAddress sourceAddress(Cluster c, String field) throws InvalidConfigException {
        if (!c.hasUpstreamBindConfig()) {
            return null;
        }
        var sa = c.getUpstreamBindConfig().getSourceAddress();
        String f = field + ".upstream_bind_config.source_address";
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(sa.getAddress());
        if (ip == null) {
            throw new InvalidConfigException(f + ".address: \"" + sa.getAddress() + "\" (expected: an IP address)");
        }
        if (sa.getPortValue() > 65535) {
            throw new InvalidConfigException(f + ".port_value: " + sa.getPortValue() + " (expected: 0-65535)");
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), sa.getPortValue());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
        }
    }

    private static HttpProtocolOptions httpProtocolOptions(Cluster c, String field) throws InvalidConfigException {
        var any = c.getTypedExtensionProtocolOptionsMap().get(HTTP_PROTOCOL_OPTIONS);
        if (any == null) {
            return null;
        }
        try {
            return any.unpack(HttpProtocolOptions.class);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidConfigException(field + ".typed_extension_protocol_options[" + HTTP_PROTOCOL_OPTIONS
                    + "]: " + any.getTypeUrl() + " (expected: " + HttpProtocolOptions.getDescriptor().getFullName() + ")");
        }
    }

    /**
     * The upstream HTTP version: typed_extension_protocol_options[envoy.extensions.upstreams.http.v3.HttpProtocolOptions]
     * (explicit_http_config http2_protocol_options or http_protocol_options, or use_downstream_protocol_config),
     * else the deprecated http2_protocol_options on the cluster, else HTTP/1.1 (Envoy's default).
     */
    static UpstreamProtocol protocol(Cluster c, String field) throws InvalidConfigException {
        HttpProtocolOptions options = httpProtocolOptions(c, field);
        if (options != null) {
            return switch (options.getUpstreamProtocolOptionsCase()) {
                case EXPLICIT_HTTP_CONFIG -> options.getExplicitHttpConfig().hasHttp2ProtocolOptions()
                        ? UpstreamProtocol.HTTP2 : UpstreamProtocol.HTTP1;
                case USE_DOWNSTREAM_PROTOCOL_CONFIG -> UpstreamProtocol.DOWNSTREAM;
                case AUTO_CONFIG -> throw new InvalidConfigException(field + ".typed_extension_protocol_options["
                        + HTTP_PROTOCOL_OPTIONS + "].auto_config: set (expected: explicit_http_config or "
                        + "use_downstream_protocol_config; ALPN needs TLS, which this proxy does not speak)");
                default -> UpstreamProtocol.HTTP1;
            };
        }
        return c.hasHttp2ProtocolOptions() ? UpstreamProtocol.HTTP2 : UpstreamProtocol.HTTP1;
    }

    private static int maglevTableSize(Cluster c, String field) throws InvalidConfigException {
        long size = c.getMaglevLbConfig().hasTableSize() ? c.getMaglevLbConfig().getTableSize().getValue() : 65537;
        if (size < 2 || size > 5_000_011 || !java.math.BigInteger.valueOf(size).isProbablePrime(20)) {
            throw new InvalidConfigException(field + ".maglev_lb_config.table_size: " + size + " (expected: a prime <= 5000011)");
        }
        return (int) size;
    }

    private List<LbEndpoint> endpoints(String cluster, ClusterLoadAssignment cla, String field)
            throws InvalidConfigException {
        List<LbEndpoint> out = new ArrayList<>();
        for (int i = 0; i < cla.getEndpointsCount(); i++) {
            var locality = cla.getEndpoints(i);
            if (locality.getPriority() != 0) {
                continue; // Only priority 0 is used; failover priorities are not implemented.
            }
            for (int j = 0; j < locality.getLbEndpointsCount(); j++) {
                var e = locality.getLbEndpoints(j);
                String f = field + ".endpoints[" + i + "].lb_endpoints[" + j + "]";
                var sa = e.getEndpoint().getAddress().getSocketAddress();
                if (sa.getAddress().isEmpty() || sa.getPortValue() <= 0 || sa.getPortValue() > 65535) {
                    throw new InvalidConfigException(f + ".endpoint.address: \"" + sa.getAddress() + ":"
                            + sa.getPortValue() + "\" (expected: an address and a port 1-65535)");
                }
                InetSocketAddress address;
                try {
                    // Off the data path: EDS addresses are IPs; DNS clusters resolve here, once per update.
                    address = new InetSocketAddress(InetAddress.getByName(sa.getAddress()), sa.getPortValue());
                } catch (UnknownHostException ex) {
                    throw new InvalidConfigException(f + ".endpoint.address: \"" + sa.getAddress()
                            + "\" (expected: a resolvable address)");
                }
                int weight = e.hasLoadBalancingWeight() ? e.getLoadBalancingWeight().getValue() : 1;
                if (weight < 1) {
                    throw new InvalidConfigException(f + ".load_balancing_weight: " + weight + " (expected: >= 1)");
                }
                HealthStatus hs = e.getHealthStatus();
                boolean healthy = hs == HealthStatus.HEALTHY || hs == HealthStatus.UNKNOWN;
                var istio = e.getMetadata().getFilterMetadataMap().get("istio");
                String workload = istio == null ? "" : istio.getFieldsMap().getOrDefault("workload",
                        com.google.protobuf.Value.getDefaultInstance()).getStringValue();
                String key = cluster + "|" + address;
                out.add(new LbEndpoint(address, weight, healthy, workload,
                        counters.computeIfAbsent(key, k -> new LbEndpoint.Counters())));
            }
        }
        return out;
    }
}
