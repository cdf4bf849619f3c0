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
import io.qmesh.proxy.resilience.CircuitBreaker;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Upstream connections of one event loop, per endpoint address. Only its event loop calls it, so
 * plain collections suffice.
 *
 * <p>HTTP/1.1: one request per connection at a time. Every upstream channel reads continuously
 * (autoRead on, so an idle one notices a close by the upstream and leaves the pool instead of failing
 * the next request); the request using it pauses it (autoRead off) only while the downstream cannot
 * take more (back-pressure), and a paused one reads again when it comes back to the pool. Not
 * toggling reads per request saves the epoll_ctl calls that would cost.
 *
 * <p>HTTP/2: each request is a stream (a child channel, paused the same way, which HTTP/2 flow control
 * carries to the peer: unread DATA is not acknowledged by WINDOW_UPDATE) on a shared connection; a new connection is opened only when
 * none can take another stream (peer's SETTINGS_MAX_CONCURRENT_STREAMS reached, or GOAWAY received).
 * The connection itself reads continuously so that SETTINGS, PING and WINDOW_UPDATE are processed.
 */
public final class ConnectionPool {

    private static final AttributeKey<UpstreamCluster> OWNER = AttributeKey.valueOf("qmesh.pool.owner");
    private static final AttributeKey<int[]> REQUESTS = AttributeKey.valueOf("qmesh.pool.requests");
    private static final AttributeKey<ScheduledFuture<?>> IDLE_TIMER = AttributeKey.valueOf("qmesh.pool.idle");
    /** When the connection last went idle (System.nanoTime). */
    private static final AttributeKey<long[]> IDLE_SINCE = AttributeKey.valueOf("qmesh.pool.idleSince");

    private final EventLoop loop;
    private final Class<? extends SocketChannel> channelClass;
    private final UpstreamPipelines pipelines;
    private final int maxIdlePerEndpoint;
    private final Map<InetSocketAddress, Host> hosts = new HashMap<>();
    private final Map<InetSocketAddress, List<ChannelFuture>> multiplexed = new HashMap<>();

    /** HTTP/1.1 state of one endpoint on this loop (Envoy's per-worker, per-host pool). */
    private static final class Host {
        final ArrayDeque<Channel> idle = new ArrayDeque<>();
        /** Requests waiting for a connection because max_connections is reached. */
        final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
        /** Connections connecting, in use or idle. */
        int connections;
    }

    private record Waiter(InetSocketAddress address, UpstreamCluster cluster, long connectTimeoutMillis,
                          Runnable onNewConnection, Promise<Channel> promise) {
    }

    ConnectionPool(EventLoop loop, Class<? extends SocketChannel> channelClass, UpstreamPipelines pipelines,
                   int maxIdlePerEndpoint) {
        this.loop = loop;
        this.channelClass = channelClass;
        this.pipelines = pipelines;
        this.maxIdlePerEndpoint = maxIdlePerEndpoint;
    }

    /** {@link #acquire(InetSocketAddress, UpstreamCluster, boolean, Runnable)} outside any circuit breaker (mirrors). */
    public Future<Channel> acquire(InetSocketAddress address, long connectTimeoutMillis, boolean http2,
                                   Runnable onNewConnection) {
        return acquire(address, null, connectTimeoutMillis, http2, onNewConnection);
    }

    /**
     * A channel to send one request of {@code cluster} on: for HTTP/1.1 an idle or new connection,
     * for HTTP/2 a new stream on a shared connection. {@code onNewConnection} runs when a connection
     * is opened for it. Hand the channel back with {@link #release} (or close it); cancel the future
     * to give up waiting.
     *
     * <p>HTTP/1.1 follows the cluster's circuit breaker as Envoy's pool does: with no idle
     * connection the request is pending (max_pending_requests, else the future fails with
     * {@link CircuitBreaker.OverflowException}); it opens a connection if max_connections allows (or
     * this loop has none to the endpoint), else it waits for one of this loop's connections to the
     * endpoint to be released or closed. A connection serves at most max_requests_per_connection
     * requests and closes after idle_timeout unused.
     */
    public Future<Channel> acquire(InetSocketAddress address, UpstreamCluster cluster, boolean http2,
                                   Runnable onNewConnection) {
        return acquire(address, cluster, cluster.connectTimeoutMillis(), http2, onNewConnection);
    }

    private Future<Channel> acquire(InetSocketAddress address, UpstreamCluster cluster, long connectTimeoutMillis,
                                    boolean http2, Runnable onNewConnection) {
        assert loop.inEventLoop();
        if (http2) {
            return openStream(address, cluster == null ? null : cluster.sourceAddress(), connectTimeoutMillis, onNewConnection);
        }
        Host host = hosts.computeIfAbsent(address, a -> new Host());
        Channel ch = pollIdle(host);
        if (ch != null) {
            return loop.newSucceededFuture(startRequest(ch));
        }
        if (cluster != null) {
            if (!cluster.circuitBreaker().tryAcquirePending(cluster.thresholds())) {
                return loop.newFailedFuture(CircuitBreaker.OverflowException.INSTANCE);
            }
        }
        Promise<Channel> promise = loop.newPromise();
        Waiter waiter = new Waiter(address, cluster, connectTimeoutMillis, onNewConnection, promise);
        promise.addListener(f -> {
            if (cluster != null) {
                cluster.circuitBreaker().releasePending();
            }
            if (f.isCancelled()) {
                host.waiters.remove(waiter);
            }
        });
        if (mayOpen(host, cluster)) {
            open(host, waiter);
        } else {
            host.waiters.addLast(waiter);
        }
        return promise;
    }

    /** Takes a connection slot of the cluster's breaker; a loop with no connection to the host always may. */
    private static boolean mayOpen(Host host, UpstreamCluster cluster) {
        return cluster == null || cluster.circuitBreaker().tryOpenConnection(cluster.thresholds(), host.connections == 0);
    }

    private void open(Host host, Waiter waiter) {
        host.connections++;
        waiter.onNewConnection().run();
        ChannelFuture future = connect(waiter.address(), waiter.cluster() == null ? null : waiter.cluster().sourceAddress(),
                waiter.connectTimeoutMillis(), pipelines.http1());
        Channel ch = future.channel();
        ch.attr(OWNER).set(waiter.cluster());
        ch.attr(REQUESTS).set(new int[1]);
        ch.attr(IDLE_SINCE).set(new long[1]);
        ch.closeFuture().addListener(f -> {
            host.connections--;
            host.idle.remove(ch);
            cancelIdleTimer(ch);
            if (waiter.cluster() != null) {
                waiter.cluster().circuitBreaker().connectionClosed();
            }
            serveWaiters(host);
        });
        future.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                waiter.promise().tryFailure(f.cause());
            } else if (!waiter.promise().isDone()) {
                waiter.promise().setSuccess(startRequest(f.channel()));
            } else {
                release(waiter.address(), f.channel()); // the request gave up while connecting: unused
            }
        });
    }

    /** A connection closed: the first waiters may open new ones now. */
    private void serveWaiters(Host host) {
        while (!host.waiters.isEmpty()) {
            Waiter w = host.waiters.peekFirst();
            if (w.promise().isDone()) {
                host.waiters.pollFirst();
            } else if (mayOpen(host, w.cluster())) {
                host.waiters.pollFirst();
                open(host, w);
            } else {
                return;
            }
        }
    }

    private Channel pollIdle(Host host) {
        while (!host.idle.isEmpty()) {
            Channel ch = host.idle.pollLast();
            if (ch.isActive()) {
                return startRequest(ch);
            }
        }
        return null;
    }

    private static Channel startRequest(Channel ch) {
        int[] count = ch.attr(REQUESTS).get();
        if (count != null) {
            count[0]++;
        }
        return ch;
    }

    private static void cancelIdleTimer(Channel ch) {
        ScheduledFuture<?> timer = ch.attr(IDLE_TIMER).getAndSet(null);
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private Future<Channel> openStream(InetSocketAddress address, InetSocketAddress source, long connectTimeoutMillis,
                                       Runnable onNewConnection) {
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
            usable = connect(address, source, connectTimeoutMillis, pipelines.http2Connection());
            ChannelFuture connecting = usable;
            connections.add(connecting);
            connecting.channel().closeFuture().addListener(x -> connections.remove(connecting));
        }
        Promise<Channel> promise = loop.newPromise();
        usable.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                promise.setFailure(f.cause());
                return;
            }
            new Http2StreamChannelBootstrap(f.channel())
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

    /**
     * Connects from {@code source} when the cluster binds one (upstream_bind_config), else from the kernel's
     * choice. Known limit: pooling is per destination only, so an outbound call a workload makes to its own pod
     * address may reuse its inbound cluster's idle connection (bound to 127.0.0.6) and skip the inbound listener.
     */
    private ChannelFuture connect(InetSocketAddress address, InetSocketAddress source, long connectTimeoutMillis,
                                  Supplier<ChannelHandler[]> pipeline) {
        return new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(pipeline.get());
                    }
                })
                .connect(address, source);
    }

    /**
     * Returns a channel whose last exchange completed cleanly: an HTTP/1.1 connection goes to the
     * first request waiting for one to this endpoint, else back to the idle set (closing after the
     * cluster's idle_timeout), unless it has served max_requests_per_connection; an HTTP/2 stream is
     * done and closes (its connection stays shared).
     */
    public void release(InetSocketAddress address, Channel ch) {
        assert loop.inEventLoop();
        if (ch instanceof Http2StreamChannel || !ch.isActive()) {
            ch.close();
            return;
        }
        UpstreamCluster owner = ch.attr(OWNER).get();
        int[] served = ch.attr(REQUESTS).get();
        if (owner != null && owner.maxRequestsPerConnection() > 0 && served != null
                && served[0] >= owner.maxRequestsPerConnection()) {
            ch.close(); // the close lets a waiter open a new connection
            return;
        }
        Host host = hosts.computeIfAbsent(address, a -> new Host());
        Waiter w;
        while ((w = host.waiters.pollFirst()) != null) {
            if (w.promise().trySuccess(ch)) {
                startRequest(ch);
                return;
            }
        }
        if (host.idle.size() >= maxIdlePerEndpoint) {
            ch.close();
            return;
        }
        host.idle.addLast(ch);
        if (!ch.config().isAutoRead()) {
            ch.config().setAutoRead(true);
        }
        long[] since = ch.attr(IDLE_SINCE).get();
        if (owner != null && owner.idleTimeoutMillis() > 0 && since != null) {
            since[0] = System.nanoTime();
            if (ch.attr(IDLE_TIMER).get() == null) {
                long timeout = TimeUnit.MILLISECONDS.toNanos(owner.idleTimeoutMillis());
                scheduleIdleCheck(host, ch, timeout, timeout);
            }
        }
    }

    /**
     * Closes {@code ch} once it has been idle for {@code timeoutNanos} (the cluster's idle_timeout).
     * One timer per connection, re-armed for the remainder when it finds the connection idle for less
     * (or in use: its next release arms it again), rather than a timer scheduled and cancelled on
     * every request.
     */
    private void scheduleIdleCheck(Host host, Channel ch, long delayNanos, long timeoutNanos) {
        ch.attr(IDLE_TIMER).set(loop.schedule(() -> {
            ch.attr(IDLE_TIMER).set(null);
            if (!host.idle.contains(ch)) {
                return;
            }
            long idle = System.nanoTime() - ch.attr(IDLE_SINCE).get()[0];
            if (idle >= timeoutNanos) {
                host.idle.remove(ch);
                ch.close();
            } else {
                scheduleIdleCheck(host, ch, timeoutNanos - idle, timeoutNanos);
            }
        }, delayNanos, TimeUnit.NANOSECONDS));
    }

    int idleCount() {
        // Approximate when read from another thread; used for diagnostics only.
        int n = 0;
        for (Host h : hosts.values()) {
            n += h.idle.size();
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
