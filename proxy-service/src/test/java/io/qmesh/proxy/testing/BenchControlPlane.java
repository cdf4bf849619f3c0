package io.qmesh.proxy.testing;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.qmesh.proxy.xds.TypeUrls;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The control plane of {@code bench/proxy-bench.sh}. Each argument {@code <listenPort>:<upstreamPort>}
 * describes one proxy: its own ADS server (port chosen by the OS, printed as {@code ads <port>}, one
 * line per argument, in order) serves one HTTP listener bound on 127.0.0.1:&lt;listenPort&gt; whose
 * routes send every request to an EDS cluster with the single endpoint 127.0.0.1:&lt;upstreamPort&gt;.
 * Two arguments chained (outbound -> inbound -> app) give the two-hop sidecar path.
 * Runs until killed.
 */
public final class BenchControlPlane {

    private static final String SERVICE = "origin.default.svc.cluster.local";
    private static final int SERVICE_PORT = 8080;

    private BenchControlPlane() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: BenchControlPlane <listenPort>:<upstreamPort> ...");
            System.exit(2);
        }
        List<FakeAdsServer> servers = new ArrayList<>();
        for (String arg : args) {
            String[] ports = arg.split(":");
            FakeAdsServer ads = new FakeAdsServer().start();
            serve(ads, Integer.parseInt(ports[0]), Integer.parseInt(ports[1]));
            servers.add(ads);
            System.out.println("ads " + ads.port());
        }
        System.out.flush();
        Thread.currentThread().join();
    }

    /** The bench's bound HTTP listener on 127.0.0.1:{@code listenPort}: the HCM with {@code filters}, then the router. */
    static Listener listener(int listenPort, io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter... filters) {
        return Mesh.outboundHttpPort(SERVICE_PORT, filters).toBuilder()
                .setName("bench_" + listenPort)
                .setAddress(Mesh.address("127.0.0.1", listenPort))
                .clearBindToPort()
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .build();
    }

    /** One bound listener (no use_original_dst hand-off), one route, one cluster, one endpoint. */
    static void serve(FakeAdsServer ads, int listenPort, int upstreamPort) {
        String cluster = Mesh.outbound(SERVICE_PORT, "", SERVICE);
        Listener listener = listener(listenPort);
        RouteConfiguration rc = Mesh.routeConfig(SERVICE_PORT, SERVICE, Mesh.prefixRoute("/", cluster));
        rc = rc.toBuilder().setVirtualHosts(0, rc.getVirtualHosts(0).toBuilder().addDomains("*")).build();
        ads.set(TypeUrls.CLUSTER, "1", List.of(Mesh.edsCluster(cluster, Cluster.LbPolicy.ROUND_ROBIN)));
        ads.set(TypeUrls.ENDPOINT, "1",
                List.of(Mesh.endpoints(cluster, new InetSocketAddress("127.0.0.1", upstreamPort))));
        ads.set(TypeUrls.ROUTE, "1", List.of(rc));
        ads.set(TypeUrls.LISTENER, "1", List.of(listener));
    }
}
