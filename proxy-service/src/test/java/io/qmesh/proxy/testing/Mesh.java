package io.qmesh.proxy.testing;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.net.InetSocketAddress;
import java.util.List;

/** Hand-built xDS resources in Istio's shapes (names, listeners, route configs by port). */
public final class Mesh {

    public static final String REVIEWS = "reviews.default.svc.cluster.local";

    private Mesh() {
    }

    public static String outbound(int port, String subset, String fqdn) {
        return "outbound|" + port + "|" + subset + "|" + fqdn;
    }

    /** An EDS cluster as Istio sends it (service_name = cluster name). */
    public static Cluster edsCluster(String name, Cluster.LbPolicy policy) {
        return Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name)
                        .setEdsConfig(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())))
                .setConnectTimeout(Duration.newBuilder().setSeconds(1))
                .setLbPolicy(policy)
                .build();
    }

    /**
     * The cluster speaking HTTP/2 to its endpoints, in the shape pilot's ClusterTranslator sends for
     * Istio's http2/grpc ports: typed_extension_protocol_options with explicit_http_config.http2_protocol_options.
     */
    public static Cluster http2(Cluster c) {
        return c.toBuilder().putTypedExtensionProtocolOptions("envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                Any.pack(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                        .setExplicitHttpConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                                .ExplicitHttpConfig.newBuilder().setHttp2ProtocolOptions(
                                        io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.getDefaultInstance()))
                        .build()))
                .build();
    }

    public static ClusterLoadAssignment endpoints(String cluster, InetSocketAddress... addresses) {
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
        for (InetSocketAddress a : addresses) {
            locality.addLbEndpoints(lbEndpoint(a, 1, HealthStatus.HEALTHY, "reviews-v1;default;reviews;v1;Kubernetes"));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(cluster).addEndpoints(locality).build();
    }

    public static LbEndpoint lbEndpoint(InetSocketAddress a, int weight, HealthStatus health, String workload) {
        return LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setAddress(address(a.getHostString(), a.getPort())))
                .setHealthStatus(health)
                .setLoadBalancingWeight(UInt32Value.of(weight))
                .setMetadata(Metadata.newBuilder().putFilterMetadata("istio", Struct.newBuilder()
                        .putFields("workload", Value.newBuilder().setStringValue(workload).build()).build()))
                .build();
    }

    public static Address address(String host, int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port)).build();
    }

    /** Istio's outbound capture listener: use_original_dst, bound (here on 127.0.0.1, port chosen by the OS). */
    public static Listener virtualOutbound() {
        return Listener.newBuilder()
                .setName("virtualOutbound")
                .setAddress(address("127.0.0.1", 0))
                .setUseOriginalDst(BoolValue.of(true))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder().setName("virtualOutbound-catchall-tcp")
                        .addFilters(Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
                                .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                                        .newBuilder().setStatPrefix("PassthroughCluster").setCluster("PassthroughCluster").build()))))
                .build();
    }

    /** Istio's per-port outbound listener 0.0.0.0_&lt;port&gt; (bind_to_port false), HCM with RDS named by port. */
    public static Listener outboundHttpPort(int port, HttpFilter... extraFilters) {
        HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix("outbound_0.0.0.0_" + port)
                .setRds(Rds.newBuilder().setRouteConfigName(Integer.toString(port))
                        .setConfigSource(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())));
        for (HttpFilter f : extraFilters) {
            hcm.addHttpFilters(f);
        }
        hcm.addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                .setTypedConfig(Any.pack(Router.getDefaultInstance())));
        return Listener.newBuilder()
                .setName("0.0.0.0_" + port)
                .setAddress(address("0.0.0.0", port))
                .setBindToPort(BoolValue.of(false))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm.build()))))
                .build();
    }

    /**
     * A listener bound on 127.0.0.1 (port chosen by the OS) whose HCM takes its routes from RDS
     * {@code routeConfigName} and enables the given upgrade_configs (e.g. websocket), as Istio's HCMs do.
     */
    public static Listener boundHttpListener(String name, String routeConfigName, String... upgradeTypes) {
        HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(name)
                .setRds(Rds.newBuilder().setRouteConfigName(routeConfigName)
                        .setConfigSource(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())))
                .addHttpFilters(faultFilter())
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())));
        for (String type : upgradeTypes) {
            hcm.addUpgradeConfigs(HttpConnectionManager.UpgradeConfig.newBuilder().setUpgradeType(type));
        }
        return Listener.newBuilder()
                .setName(name)
                .setAddress(address("127.0.0.1", 0))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm.build()))))
                .build();
    }

    public static HttpFilter faultFilter() {
        return HttpFilter.newBuilder().setName("envoy.filters.http.fault")
                .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())).build();
    }

    /** Route config named by port with one vhost for the service, Istio's domains, and the given routes. */
    public static RouteConfiguration routeConfig(int port, String fqdn, Route... routes) {
        String shortName = fqdn.substring(0, fqdn.indexOf('.'));
        return RouteConfiguration.newBuilder()
                .setName(Integer.toString(port))
                .addVirtualHosts(VirtualHost.newBuilder()
                        .setName(fqdn + ":" + port)
                        .addAllDomains(List.of(fqdn, shortName, shortName + ".default", shortName + ".default.svc"))
                        .addAllRoutes(List.of(routes)))
                .build();
    }

    public static Route prefixRoute(String prefix, String cluster) {
        return Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPrefix(prefix))
                .setRoute(RouteAction.newBuilder().setCluster(cluster).setTimeout(Duration.newBuilder().setSeconds(0)))
                .build();
    }
}
