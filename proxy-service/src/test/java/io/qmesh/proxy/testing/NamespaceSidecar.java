package io.qmesh.proxy.testing;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.core.v3.BindConfig;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.qmesh.proxy.ProxyServer;
import io.qmesh.proxy.ProxySettings;
import io.qmesh.proxy.bootstrap.BootstrapLoader;
import io.qmesh.proxy.bootstrap.NodeType;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.stats.AccessLog;
import io.qmesh.proxy.xds.TypeUrls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A sidecar "pod" for {@code RedirectCaptureNamespaceTest}, run as its own JVM inside a network
 * namespace whose iptables REDIRECT every outbound TCP connection to port 15001 (except this
 * process's, by its group 1337, as Istio excludes the proxy's uid/gid). It holds the real proxy, its
 * ADS server and two "remote pods": an HTTP server on {@value #REVIEWS_POD}:9080 and a line server on
 * {@value #MYSQL_POD}:9090, plus a host outside the mesh, {@value #EXTERNAL_HOST}, on 7070 (reached
 * only by virtualOutbound's catch-all chain to PassthroughCluster: ORIGINAL_DST, CLUSTER_PROVIDED) and
 * on 9080 (reached by the allow_any virtual host of route "9080", also to PassthroughCluster).
 * LDS/RDS/CDS/EDS are Istio's shapes: virtualOutbound on 0.0.0.0:15001 with
 * use_original_dst, {@code 0.0.0.0_9080} (HTTP, RDS "9080" with the service VIP {@value #REVIEWS_VIP}
 * among its domains) and {@code 0.0.0.0_9090} (tcp_proxy). Prints {@code ready} once the proxy
 * applied everything, and exits when its stdin closes.
 */
public final class NamespaceSidecar {

    public static final String REVIEWS_VIP = "10.96.0.20";
    public static final String MYSQL_VIP = "10.96.0.30";
    public static final String REVIEWS_POD = "198.51.100.21";
    public static final String MYSQL_POD = "198.51.100.22";
    /** A host outside the mesh (no listener, no cluster): reachable only through PassthroughCluster. */
    public static final String EXTERNAL_HOST = "198.51.100.23";
    public static final int OUTBOUND_PORT = 15001;
    public static final int INBOUND_PORT = 15006;
    /** This pod's own address; its app listens on 9080 and is reached through virtualInbound. */
    public static final String POD_IP = "198.51.100.1";

    private static final String INBOUND_CLUSTER = "inbound|9080||";

    private NamespaceSidecar() {
    }

    public static void main(String[] args) throws Exception {
        HttpServer reviews = httpServer(new InetSocketAddress(REVIEWS_POD, 9080), "reviews-pod");
        HttpServer external = httpServer(new InetSocketAddress(EXTERNAL_HOST, 7070), "external");
        HttpServer externalHttp = httpServer(new InetSocketAddress(EXTERNAL_HOST, 9080), "external");
        ServerSocket mysql = new ServerSocket();
        mysql.bind(new InetSocketAddress(MYSQL_POD, 9090));
        Thread lines = new Thread(() -> serveLines(mysql), "mysql-pod");
        lines.setDaemon(true);
        lines.start();

        HttpServer app = HttpServer.create(new InetSocketAddress(POD_IP, 9080), 16);
        app.createContext("/", ex -> {
            byte[] body = ("app from=" + ex.getRemoteAddress().getAddress().getHostAddress()).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        app.start();

        FakeAdsServer ads = new FakeAdsServer().start();
        String reviewsCluster = Mesh.outbound(9080, "", "reviews.default.svc.cluster.local");
        String mysqlCluster = Mesh.outbound(9090, "", "mysqldb.default.svc.cluster.local");
        ads.set(TypeUrls.CLUSTER, "1", List.of(Mesh.edsCluster(reviewsCluster, Cluster.LbPolicy.ROUND_ROBIN),
                Mesh.edsCluster(mysqlCluster, Cluster.LbPolicy.ROUND_ROBIN),
                Cluster.newBuilder().setName("PassthroughCluster").setType(Cluster.DiscoveryType.ORIGINAL_DST)
                        .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                        .setConnectTimeout(Duration.newBuilder().setSeconds(1)).build(),
                inboundCluster()));
        ads.set(TypeUrls.ENDPOINT, "1", List.of(
                Mesh.endpoints(reviewsCluster, new InetSocketAddress(REVIEWS_POD, 9080)),
                Mesh.endpoints(mysqlCluster, new InetSocketAddress(MYSQL_POD, 9090))));
        RouteConfiguration rc = Mesh.routeConfig(9080, "reviews.default.svc.cluster.local",
                Mesh.prefixRoute("/", reviewsCluster));
        // Istio's allow_any virtual host: any other host on an HTTP port goes to PassthroughCluster.
        ads.set(TypeUrls.ROUTE, "1", List.of(rc.toBuilder()
                .setVirtualHosts(0, rc.getVirtualHosts(0).toBuilder().addDomains(REVIEWS_VIP))
                .addVirtualHosts(VirtualHost.newBuilder().setName("allow_any").addDomains("*")
                        .addRoutes(Mesh.prefixRoute("/", "PassthroughCluster")))
                .build()));
        Listener tcp9090 = Listener.newBuilder().setName("0.0.0.0_9090").setAddress(Mesh.address("0.0.0.0", 9090))
                .setBindToPort(BoolValue.of(false))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.tcp_proxy")
                        .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix(mysqlCluster)
                                .setCluster(mysqlCluster).build()))))
                .build();
        ads.set(TypeUrls.LISTENER, "1", List.of(
                Mesh.virtualOutbound().toBuilder().setAddress(Mesh.address("0.0.0.0", OUTBOUND_PORT)).build(),
                Mesh.outboundHttpPort(9080), tcp9090, virtualInbound()));

        ProxyServer proxy = new ProxyServer(BootstrapLoader.fromEnv(Map.of(
                "POD_NAME", "productpage-v1-ns", "POD_NAMESPACE", "default", "INSTANCE_IP", "198.51.100.1",
                "ISTIO_META_INTERCEPTION_MODE", "REDIRECT",
                "ISTIO_METAJSON_LABELS", "{\"app\":\"productpage\",\"version\":\"v1\"}"),
                ads.address(), NodeType.SIDECAR), ProxySettings.forTests(), AccessLog.STANDARD, RandomSource.THREAD_LOCAL)
                .start();
        FakeAdsServer.await("proxy ready", proxy::ready);
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // Runs until the test closes stdin.
        }
        proxy.close();
        ads.close();
        reviews.stop(0);
        app.stop(0);
        external.stop(0);
        externalHttp.stop(0);
        mysql.close();
    }

    /** Istio's {@code inbound|9080||}: the pod's own app, dialled from 127.0.0.6 so the capture rules let it pass. */
    private static Cluster inboundCluster() {
        return Cluster.newBuilder().setName(INBOUND_CLUSTER).setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(Duration.newBuilder().setSeconds(1))
                .setLoadAssignment(Mesh.endpoints(INBOUND_CLUSTER, new InetSocketAddress(POD_IP, 9080)))
                .setUpstreamBindConfig(BindConfig.newBuilder().setSourceAddress(
                        SocketAddress.newBuilder().setAddress("127.0.0.6").setPortValue(0)))
                .build();
    }

    /**
     * Istio's virtualInbound: bound on 15006, the original_dst listener filter (and no use_original_dst), one
     * filter chain per workload port matched on the destination port, routes inline.
     */
    private static Listener virtualInbound() {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix("inbound_0.0.0.0_9080")
                .setRouteConfig(RouteConfiguration.newBuilder().setName("inbound|9080||")
                        .addVirtualHosts(VirtualHost.newBuilder().setName("inbound|http|9080").addDomains("*")
                                .addRoutes(Mesh.prefixRoute("/", INBOUND_CLUSTER))))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName("virtualInbound").setAddress(Mesh.address("0.0.0.0", INBOUND_PORT))
                .setTrafficDirection(TrafficDirection.INBOUND)
                .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.original_dst")
                        .setTypedConfig(Any.pack(OriginalDst.getDefaultInstance())))
                .addFilterChains(FilterChain.newBuilder().setName("0.0.0.0_9080")
                        .setFilterChainMatch(FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(9080)))
                        .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                                .setTypedConfig(Any.pack(hcm))))
                .build();
    }

    /** Answers every request with {@code <name> host=<Host header>}. */
    private static HttpServer httpServer(InetSocketAddress address, String name) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        server.createContext("/", ex -> {
            byte[] body = (name + " host=" + ex.getRequestHeaders().getFirst("Host")).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    /** Answers each line with {@code mysql-pod:<line>}. */
    private static void serveLines(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null) {
                    s.getOutputStream().write(("mysql-pod:" + line + "\n").getBytes(StandardCharsets.UTF_8));
                    s.getOutputStream().flush();
                }
            } catch (Exception e) {
                // Next connection (or closed at exit).
            }
        }
    }
}
