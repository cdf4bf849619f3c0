package io.qmesh.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.qmesh.proxy.cluster.ConnectionPool;
import io.qmesh.proxy.cluster.UpstreamCluster;
import io.qmesh.proxy.lb.LbEndpoint;

/**
 * A mirrored (shadow) request: fire and forget. Its response is read and dropped, it never affects
 * the real request, and its connection goes back to the pool when it completes cleanly.
 */
final class ShadowRequest implements UpstreamResponseListener {

    private final DataPlane plane;
    private final ConnectionPool pool;
    private final LbEndpoint endpoint;
    private Channel channel;
    private boolean keepAlive;

    private ShadowRequest(DataPlane plane, ConnectionPool pool, LbEndpoint endpoint) {
        this.plane = plane;
        this.pool = pool;
        this.endpoint = endpoint;
    }

    /** Sends {@code request} (ownership passes here) to an endpoint of {@code cluster}. */
    static void send(DataPlane plane, EventLoop loop, UpstreamCluster cluster, FullHttpRequest request,
                     boolean downstreamHttp2) {
        LbEndpoint endpoint = cluster.loadBalancer().pick(null, null, 1);
        if (endpoint == null) {
            request.release();
            return;
        }
        cluster.stats().inc("upstream_rq_total");
        ConnectionPool pool = plane.pools().forLoop(loop);
        ShadowRequest shadow = new ShadowRequest(plane, pool, endpoint);
        pool.acquire(endpoint.address(), cluster.connectTimeoutMillis(), cluster.protocol().http2For(downstreamHttp2),
                () -> cluster.stats().inc("upstream_cx_total")).addListener(f -> {
                    if (f.isSuccess()) {
                        shadow.write((Channel) f.getNow(), request);
                    } else {
                        request.release();
                    }
                });
    }

    private void write(Channel ch, FullHttpRequest request) {
        channel = ch;
        UpstreamHandler.of(ch).attach(this);
        ch.writeAndFlush(request);
        ch.read();
    }

    @Override
    public void onUpstreamMessage(HttpObject msg) {
        if (msg instanceof HttpResponse response) {
            keepAlive = HttpUtil.isKeepAlive(response);
        }
        boolean last = msg instanceof LastHttpContent;
        ReferenceCountUtil.release(msg);
        if (last) {
            UpstreamHandler.of(channel).detach();
            if (keepAlive) {
                pool.release(endpoint.address(), channel); // an HTTP/2 stream just closes
            } else {
                channel.close();
            }
        } else {
            channel.read();
        }
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        plane.stats().inc("http.shadow_failed");
    }
}
