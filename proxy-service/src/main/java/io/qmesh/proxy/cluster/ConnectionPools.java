package io.qmesh.proxy.cluster;

import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One {@link ConnectionPool} per event loop. An upstream connection always lives on the event loop
 * of the downstream connection that uses it, so a pool is only ever touched by its own thread.
 */
public final class ConnectionPools {

    private final ConcurrentHashMap<EventLoop, ConnectionPool> pools = new ConcurrentHashMap<>();
    private final Class<? extends SocketChannel> channelClass;
    private final Supplier<io.netty.channel.ChannelHandler[]> pipeline;
    private final int maxIdlePerEndpoint;

    /** @param pipeline the upstream pipeline's handlers (codec + response handler), fresh per connection */
    public ConnectionPools(Class<? extends SocketChannel> channelClass,
                           Supplier<io.netty.channel.ChannelHandler[]> pipeline, int maxIdlePerEndpoint) {
        this.channelClass = channelClass;
        this.pipeline = pipeline;
        this.maxIdlePerEndpoint = maxIdlePerEndpoint;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return channelClass;
    }

    public ConnectionPool forLoop(EventLoop loop) {
        ConnectionPool pool = pools.get(loop);
        return pool != null ? pool
                : pools.computeIfAbsent(loop, l -> new ConnectionPool(l, channelClass, pipeline, maxIdlePerEndpoint));
    }

    /** Idle connections over all loops (for /clusters and tests). */
    public int idleConnections() {
        return pools.values().stream().mapToInt(ConnectionPool::idleCount).sum();
    }
}
