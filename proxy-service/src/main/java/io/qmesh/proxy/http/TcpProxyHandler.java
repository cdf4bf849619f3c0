package io.qmesh.proxy.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.qmesh.proxy.cluster.LbPolicy;
import io.qmesh.proxy.cluster.UpstreamCluster;
import io.qmesh.proxy.config.ProxyConfig;
import io.qmesh.proxy.lb.LbEndpoint;
import io.qmesh.proxy.stats.RequestLabels;
import io.qmesh.proxy.stats.ResponseFlag;

/**
 * Envoy's tcp_proxy: connects the downstream connection to an endpoint of the chain's cluster (on the
 * same event loop) and relays bytes both ways. Each direction reads again only after its last write
 * completed, so a slow reader throttles the fast writer (back-pressure); each ByteBuf read is handed
 * to exactly one write.
 */
final class TcpProxyHandler extends ChannelInboundHandlerAdapter {

    private final DataPlane plane;
    private final String clusterName;
    private final boolean outbound;
    private Channel upstream;
    private RequestLabels labels;
    private LbEndpoint endpoint;

    TcpProxyHandler(DataPlane plane, String clusterName, boolean outbound) {
        this.plane = plane;
        this.clusterName = clusterName;
        this.outbound = outbound;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ProxyConfig config = plane.config().get();
        UpstreamCluster cluster = config.clusters().get(clusterName);
        endpoint = cluster == null ? null : cluster.lbPolicy() == LbPolicy.CLUSTER_PROVIDED
                ? OriginalDestination.passthroughEndpoint(ctx.channel()) : cluster.loadBalancer().pick(null, null, 1);
        labels = labels(cluster);
        plane.metrics().tcpOpened(labels);
        if (endpoint == null) {
            plane.stats().inc("tcp." + clusterName + ".rq_response_flag."
                    + (cluster == null ? ResponseFlag.NO_CLUSTER_FOUND : ResponseFlag.NO_HEALTHY_UPSTREAM).code());
            ctx.close();
            return;
        }
        endpoint.counters().activeRequests.incrementAndGet();
        endpoint.counters().requests.increment();
        cluster.stats().inc("upstream_cx_total");
        Channel downstream = ctx.channel();
        ChannelFuture f = new Bootstrap()
                .group(downstream.eventLoop())
                .channel(plane.pools().socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, cluster.connectTimeoutMillis()))
                .handler(new ByteRelay(downstream, n -> plane.metrics().tcpSent(labels, n)))
                .connect(endpoint.address(), cluster.sourceAddress());
        upstream = f.channel();
        f.addListener((ChannelFutureListener) done -> {
            if (done.isSuccess() && !downstream.isActive()) {
                upstream.close(); // the downstream left while we were connecting
            } else if (done.isSuccess()) {
                // Nothing was read before: from here each side relays to the other (see ByteRelay).
                ctx.pipeline().addLast("relay", new ByteRelay(upstream, n -> plane.metrics().tcpReceived(labels, n)));
                downstream.read();
                upstream.read();
            } else {
                endpoint.counters().connectFailures.increment();
                cluster.stats().inc("upstream_cx_connect_fail");
                downstream.close();
            }
        });
    }

    private RequestLabels labels(UpstreamCluster c) {
        DataPlane.LocalWorkload local = plane.workload();
        String service = c == null ? "unknown" : c.destinationService();
        String name = c == null ? "unknown" : c.destinationServiceName();
        return outbound
                ? new RequestLabels("source", local.workload(), local.namespace(), local.app(), local.version(),
                        "unknown", c == null ? "unknown" : c.destinationNamespace(), service, name, "unknown", "unknown",
                        "tcp", "0", "-", "unknown")
                : new RequestLabels("destination", "unknown", "unknown", "unknown", "unknown", local.workload(),
                        local.namespace(), service, name, local.app(), local.version(), "tcp", "0", "-", "none");
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (upstream != null && upstream.isActive()) {
            upstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        if (endpoint != null) {
            endpoint.counters().activeRequests.decrementAndGet();
        }
        plane.metrics().tcpClosed(labels);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
