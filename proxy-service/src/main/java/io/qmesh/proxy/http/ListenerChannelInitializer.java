package io.qmesh.proxy.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.qmesh.proxy.config.FilterChainConfig;
import io.qmesh.proxy.config.ListenerConfig;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of an accepted connection. If the listener's filter chain for the connection's
 * destination port is a tcp_proxy, the bytes are relayed; otherwise it is the HTTP/1.1 pipeline:
 * strict decoder, encoder, h2c upgrade, {@code Expect: 100-continue} (answered by the proxy itself, as
 * Envoy does unless proxy_100_continue), idle timer, and the connection handler; bodies stream. A preface detector in
 * front swaps in HTTP/2 when the client starts with the HTTP/2 preface ({@link DownstreamHttp2}).
 */
public final class ListenerChannelInitializer extends ChannelInitializer<SocketChannel> {

    private final DataPlane plane;
    private final String listenerName;

    public ListenerChannelInitializer(DataPlane plane, String listenerName) {
        this.plane = plane;
        this.listenerName = listenerName;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ListenerConfig listener = plane.config().get().listeners().get(listenerName);
        if (listener != null) {
            // REDIRECT-captured connections carry their real destination in SO_ORIGINAL_DST.
            int port = listener.restoresOriginalDst() ? OriginalDestination.capture(ch).getPort() : ch.localAddress().getPort();
            ListenerConfig target = listener;
            if (listener.useOriginalDst() && port != listener.port()) {
                ListenerConfig handOff = plane.config().get().virtualListenerForPort(port);
                target = handOff != null ? handOff : listener;
            }
            FilterChainConfig chain = target.chainFor(port);
            // virtualOutbound's own chain (tcp_proxy to PassthroughCluster) serves captured connections
            // to ports without a listener; a connection made to its own port is an explicit-proxy client.
            if (chain != null && chain.isTcp() && !(target == listener && listener.useOriginalDst() && !OriginalDestination.captured(ch))) {
                ch.pipeline().addLast("tcp", new TcpProxyHandler(plane, chain.tcpCluster(), target.outbound()));
                return;
            }
        }
        httpPipeline(ch.pipeline(), plane, listenerName);
    }

    /** The HTTP handlers of a downstream connection (HTTP/1.1, switching to HTTP/2 on the preface or h2c). */
    static void httpPipeline(ChannelPipeline pipeline, DataPlane plane, String listenerName) {
        HttpLimits limits = plane.limits();
        HttpDecoderConfig decoderConfig = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxInitialLineLength())
                .setMaxHeaderSize(limits.maxHeaderSize())
                .setMaxChunkSize(64 * 1024);
        pipeline.addLast("detect", DownstreamHttp2.detector(plane, listenerName))
                .addLast("decoder", new StrictHttpRequestDecoder(decoderConfig))
                .addLast("encoder", new HttpResponseEncoder())
                .addLast("upgrade", DownstreamHttp2.upgradeHandler(plane, listenerName))
                .addLast("continue", new HttpServerExpectContinueHandler())
                .addLast("idle", new IdleStateHandler(0, 0, limits.idleTimeoutMillis(), TimeUnit.MILLISECONDS))
                .addLast("downstream", new DownstreamHandler(plane, listenerName));
    }
}
