package io.qmesh.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.qmesh.proxy.testing.FakeAdsServer;
import io.qmesh.proxy.testing.Mesh;
import io.qmesh.proxy.testing.ProxyHarness;
import io.qmesh.proxy.xds.TypeUrls;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** tcp_proxy filter chains relay bytes both ways to an EDS endpoint, with Istio's TCP metrics. */
class TcpProxyTest {

    @Test
    void relaysBytesToTheClusterAndCountsThem() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ProxyHarness h = new ProxyHarness()) {
            Thread server = new Thread(() -> {
                try (Socket s = echo.accept()) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                    }
                } catch (Exception ignored) {
                    // The test closes the socket.
                }
            });
            server.start();
            String cluster = Mesh.outbound(3306, "", "mysqldb.default.svc.cluster.local");
            Listener tcp = Listener.newBuilder().setName("0.0.0.0_3306").setAddress(Mesh.address("127.0.0.1", 0))
                    .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                            .setName("envoy.filters.network.tcp_proxy")
                            .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix(cluster).setCluster(cluster).build()))))
                    .build();
            h.ads.set(TypeUrls.CLUSTER, "c1", List.of(Mesh.edsCluster(cluster, Cluster.LbPolicy.ROUND_ROBIN)));
            h.ads.set(TypeUrls.ENDPOINT, "e1", List.of(Mesh.endpoints(cluster,
                    new InetSocketAddress("127.0.0.1", echo.getLocalPort()))));
            h.ads.set(TypeUrls.LISTENER, "l1", List.of(tcp));
            h.awaitReady();
            InetSocketAddress listener = h.proxy.listenerAddress("0.0.0.0_3306");
            byte[] payload = "x".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
            try (Socket client = new Socket(listener.getAddress(), listener.getPort())) {
                client.setSoTimeout(5000);
                Thread writer = new Thread(() -> {
                    try {
                        client.getOutputStream().write(payload);
                        client.getOutputStream().flush();
                    } catch (Exception ignored) {
                        // Reported by the read below.
                    }
                });
                writer.start();
                byte[] back = client.getInputStream().readNBytes(payload.length);
                assertEquals(payload.length, back.length);
                writer.join();
            }
            FakeAdsServer.await("connection closed in metrics", () -> {
                StringBuilder sb = new StringBuilder();
                h.proxy.metrics().writePrometheus(sb);
                return sb.toString().contains("istio_tcp_connections_closed_total{reporter=\"source\"");
            });
            StringBuilder prom = new StringBuilder();
            h.proxy.metrics().writePrometheus(prom);
            assertTrue(prom.toString().contains("destination_service=\"mysqldb.default.svc.cluster.local\","
                    + "destination_service_name=\"mysqldb\",destination_app=\"unknown\",destination_version=\"unknown\","
                    + "request_protocol=\"tcp\",response_flags=\"-\",connection_security_policy=\"unknown\"} 100000"),
                    prom.toString());
            assertEquals(1, h.proxy.stats().get("cluster." + cluster + ".upstream_cx_total"));
        }
    }
}
