package io.qmesh.proxy.cluster;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Upstream connections of one event loop, per endpoint address. Only its event loop calls it, so
 * plain collections suffice.
 *
 * <p>HTTP/1.1: one request per connection at a time. Connections in use have autoRead off (the
 * exchange reads only as fast as the downstream drains). Idle ones have autoRead on, so that a close
 * by the upstream is noticed and the connection leaves the pool instead of failing the next request.
 *
 * <p>HTTP/2: each request is a stream (a child channel, autoRead off, so the same back-pressure holds
 * per stream through HTTP/2 flow control) on a shared connection; a new connection is opened only when
 * none can take another stream (peer's SETTINGS_MAX_CONCURRENT_STREAMS reached, or GOAWAY received).
 * The connection itself reads continuously so that SETTINGS, PING and WINDOW_UPDATE are processed.
 */
public final class ConnectionPool {

    private final EventLoop loop;
    private final Class<? extends SocketChannel> channelClass;
    private final UpstreamPipelines pipelines;
    private final int maxIdlePerEndpoint;
    private final Map<InetSocketAddress, ArrayDeque<Channel>> idle = new HashMap<>();
    private final Map<InetSocketAddress, List<ChannelFuture>> multiplexed = new HashMap<>();

    ConnectionPool(EventLoop loop, Class<? extends SocketChannel> channelClass, UpstreamPipelines pipelines,
                   int maxIdlePerEndpoint) {
        this.loop = loop;
        this.channelClass = channelClass;
        this.pipelines = pipelines;
        this.maxIdlePerEndpoint = maxIdlePerEndpoint;
    }

    /**
     * A channel to send one request on: for HTTP/1.1 an idle or new connection, for HTTP/2 a new
     * stream on a shared connection. {@code onNewConnection} runs when a connection is opened for it.
     * Hand the channel back with {@link #release} (or close it).
     */
    public Future<Channel> acquire(InetSocketAddress address, long connectTimeoutMillis, boolean http2,
                                   Runnable onNewConnection) {
        assert loop.inEventLoop();
        if (http2) {
            return openStream(address, connectTimeoutMillis, onNewConnection);
        }
        Channel ch = pollIdle(address);
        if (ch != null) {
            return loop.newSucceededFuture(ch);
        }
        onNewConnection.run();
        Promise<Channel> promise = loop.newPromise();
        connect(address, connectTimeoutMillis, pipelines.http1()).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                promise.setSuccess(f.channel());
            } else {
                promise.setFailure(f.cause());
            }
        });
        return promise;
    }

    private Channel pollIdle(InetSocketAddress address) {
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

    private Future<Channel> openStream(InetSocketAddress address, long connectTimeoutMillis, Runnable onNewConnection) {
        List<ChannelFuture> connections = multiplexed.computeIfAbsent(address, a -> new ArrayList<>(1));
        ChannelFuture usable = null;
        for (ChannelFuture f : connections) {
            if (!f.isDone() || canOpenStream(f.channel())) {
                usable = f;
                break;
            }
        }
        if (usable == null) {
            onNewConnection.run();
            usable = connect(address, connectTimeoutMillis, pipelines.http2Connection());
            ChannelFuture connecting = usable;
            connections.add(connecting);
            connecting.channel().closeFuture().addListener(x -> connections.remove(connecting));
            connecting.addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    f.channel().config().setAutoRead(true);
                }
            });
        }
        Promise<Channel> promise = loop.newPromise();
        usable.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                promise.setFailure(f.cause());
                return;
            }
            new Http2StreamChannelBootstrap(f.channel())
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new ChannelInitializer<Http2StreamChannel>() {
                        @Override
                        protected void initChannel(Http2StreamChannel ch) {
                            ch.pipeline().addLast(pipelines.http2Stream().get());
                        }
                    })
                    .open()
                    .addListener(s -> {
                        if (s.isSuccess()) {
                            promise.setSuccess((Channel) s.getNow());
                        } else {
                            promise.setFailure(s.cause());
                        }
                    });
        });
        return promise;
    }

    private static boolean canOpenStream(Channel connection) {
        Http2FrameCodec codec = connection.pipeline().get(Http2FrameCodec.class);
        return connection.isActive() && codec != null && !codec.connection().goAwayReceived()
                && codec.connection().local().canOpenStream();
    }

    private ChannelFuture connect(InetSocketAddress address, long connectTimeoutMillis,
                                  Supplier<ChannelHandler[]> pipeline) {
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

    /**
     * Returns a channel whose last exchange completed cleanly: an HTTP/1.1 connection goes back to
     * the idle set; an HTTP/2 stream is done and closes (its connection stays shared).
     */
    public void release(InetSocketAddress address, Channel ch) {
        assert loop.inEventLoop();
        if (ch instanceof Http2StreamChannel || !ch.isActive()) {
            ch.close();
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

    int multiplexedCount() {
        // Approximate when read from another thread; used for diagnostics only.
        int n = 0;
        for (List<ChannelFuture> l : multiplexed.values()) {
            n += l.size();
        }
        return n;
    }
}
