package io.qmesh.proxy.cluster;

import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link ConnectionPool} per event loop. An upstream connection always lives on the event loop
 * of the downstream connection that uses it, so a pool is only ever touched by its own thread.
 */
public final class ConnectionPools {

    private final ConcurrentHashMap<EventLoop, ConnectionPool> pools = new ConcurrentHashMap<>();
    private final Class<? extends SocketChannel> channelClass;
    private final UpstreamPipelines pipelines;
    private final int maxIdlePerEndpoint;

    /** @param pipelines the upstream channels' handlers (HTTP/1.1 connection, HTTP/2 connection and stream) */
    public ConnectionPools(Class<? extends SocketChannel> channelClass, UpstreamPipelines pipelines,
                           int maxIdlePerEndpoint) {
        this.channelClass = channelClass;
        this.pipelines = pipelines;
        this.maxIdlePerEndpoint = maxIdlePerEndpoint;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return channelClass;
    }

    public ConnectionPool forLoop(EventLoop loop) {
        ConnectionPool pool = pools.get(loop);
        return pool != null ? pool
                : pools.computeIfAbsent(loop, l -> new ConnectionPool(l, channelClass, pipelines, maxIdlePerEndpoint));
    }

    /** Idle connections over all loops (for /clusters and tests). */
    public int idleConnections() {
        return pools.values().stream().mapToInt(ConnectionPool::idleCount).sum();
    }

    /** Open HTTP/2 connections over all loops (for tests: streams share them). */
    public int http2Connections() {
        return pools.values().stream().mapToInt(ConnectionPool::multiplexedCount).sum();
    }
}
