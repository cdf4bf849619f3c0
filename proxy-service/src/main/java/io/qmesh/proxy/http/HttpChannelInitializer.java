package io.qmesh.proxy.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The downstream HTTP/1.1 pipeline of a listener: strict decoder, encoder, aggregator (which also
 * answers {@code Expect: 100-continue} and enforces the body limit with 413), idle timer, and the
 * connection handler.
 */
public final class HttpChannelInitializer extends ChannelInitializer<SocketChannel> {

    private final DataPlane plane;
    private final String listenerName;

    public HttpChannelInitializer(DataPlane plane, String listenerName) {
        this.plane = plane;
        this.listenerName = listenerName;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        HttpLimits limits = plane.limits();
        HttpDecoderConfig decoderConfig = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxInitialLineLength())
                .setMaxHeaderSize(limits.maxHeaderSize())
                .setMaxChunkSize(64 * 1024);
        ch.pipeline().addLast("decoder", new StrictHttpRequestDecoder(decoderConfig))
                .addLast("encoder", new HttpResponseEncoder())
                .addLast("aggregator", new HttpObjectAggregator(limits.maxRequestBodyBytes(), true))
                .addLast("idle", new IdleStateHandler(0, 0, limits.idleTimeoutMillis(), TimeUnit.MILLISECONDS))
                .addLast("downstream", new DownstreamHandler(plane, listenerName));
    }
}
