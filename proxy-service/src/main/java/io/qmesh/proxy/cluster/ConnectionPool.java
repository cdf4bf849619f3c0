package io.qmesh.proxy.cluster;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Idle upstream HTTP/1.1 connections of one event loop, per endpoint address. Only its event loop
 * calls it, so plain collections suffice.
 *
 * <p>Connections in use have autoRead off (the exchange reads only as fast as the downstream
 * drains). Idle ones have autoRead on, so that a close by the upstream is noticed and the
 * connection leaves the pool instead of failing the next request.
 */
public final class ConnectionPool {

    private final EventLoop loop;
    private final Class<? extends SocketChannel> channelClass;
    private final Supplier<ChannelHandler[]> pipeline;
    private final int maxIdlePerEndpoint;
    private final Map<InetSocketAddress, ArrayDeque<Channel>> idle = new HashMap<>();

    ConnectionPool(EventLoop loop, Class<? extends SocketChannel> channelClass, Supplier<ChannelHandler[]> pipeline,
                   int maxIdlePerEndpoint) {
        this.loop = loop;
        this.channelClass = channelClass;
        this.pipeline = pipeline;
        this.maxIdlePerEndpoint = maxIdlePerEndpoint;
    }

    /** An idle connection to {@code address}, or null. */
    public Channel pollIdle(InetSocketAddress address) {
        assert loop.inEventLoop();
        ArrayDeque<Channel> queue = idle.get(address);
        while (queue != null && !queue.isEmpty()) {
            Channel ch = queue.pollLast();
            if (ch.isActive()) {
                ch.config().setAutoRead(false);
                return ch;
            }
        }
        return null;
    }

    /** Opens a new connection on this loop (autoRead off). */
    public ChannelFuture connect(InetSocketAddress address, long connectTimeoutMillis) {
        ChannelFuture future = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(pipeline.get());
                    }
                })
                .connect(address);
        Channel ch = future.channel();
        ch.closeFuture().addListener(f -> {
            ArrayDeque<Channel> queue = idle.get(address);
            if (queue != null) {
                queue.remove(ch);
            }
        });
        return future;
    }

    /** Returns a connection whose last exchange completed cleanly. */
    public void release(InetSocketAddress address, Channel ch) {
        assert loop.inEventLoop();
        if (!ch.isActive()) {
            return;
        }
        ArrayDeque<Channel> queue = idle.computeIfAbsent(address, a -> new ArrayDeque<>());
        if (queue.size() >= maxIdlePerEndpoint) {
            ch.close();
            return;
        }
        queue.addLast(ch);
        ch.config().setAutoRead(true);
    }

    int idleCount() {
        // Approximate when read from another thread; used for diagnostics only.
        int n = 0;
        for (ArrayDeque<Channel> q : idle.values()) {
            n += q.size();
        }
        return n;
    }
}
