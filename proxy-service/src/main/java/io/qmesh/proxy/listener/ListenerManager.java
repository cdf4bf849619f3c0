package io.qmesh.proxy.listener;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.config.ListenerConfig;
import io.qmesh.proxy.config.ProxyConfig;
import io.qmesh.proxy.http.DataPlane;
import io.qmesh.proxy.http.ListenerChannelInitializer;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Binds the sockets LDS asks for. A listener whose address did not change keeps its socket (and its
 * open connections); new ones are bound before the config is published, so a bind failure NACKs the
 * update; removed ones are closed after. Connections look their listener up by name per request, so
 * a changed filter chain takes effect without rebinding.
 */
public final class ListenerManager {

    private final Transport transport;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final DataPlane plane;
    private final Map<String, Bound> bound = new HashMap<>();

    private record Bound(ListenerConfig config, Channel channel) {
    }

    public ListenerManager(Transport transport, EventLoopGroup boss, EventLoopGroup workers, DataPlane plane) {
        this.transport = transport;
        this.boss = boss;
        this.workers = workers;
        this.plane = plane;
    }

    /** Binds new listeners of {@code next}; call before publishing it. */
    public synchronized void prepare(ProxyConfig next) throws InvalidConfigException {
        Map<String, Bound> added = new HashMap<>();
        for (ListenerConfig l : next.listeners().values()) {
            if (!l.bindToPort()) {
                continue;
            }
            Bound existing = bound.get(l.name());
            if (existing != null && l.sameSocket(existing.config())) {
                continue;
            }
            try {
                added.put(l.name(), new Bound(l, bind(l)));
            } catch (Exception e) {
                added.values().forEach(b -> b.channel().close());
                throw new InvalidConfigException("listeners[" + l.name() + "].address: " + l.host() + ":" + l.port()
                        + ": " + e.getMessage() + " (expected: a bindable address)");
            }
        }
        for (var e : added.entrySet()) {
            Bound old = bound.put(e.getKey(), e.getValue());
            if (old != null) {
                old.channel().close();
            }
        }
    }

    /** Closes listeners {@code current} no longer has; call after publishing it. */
    public synchronized void retire(ProxyConfig current) {
        bound.entrySet().removeIf(e -> {
            ListenerConfig l = current.listeners().get(e.getKey());
            if (l == null || !l.bindToPort()) {
                e.getValue().channel().close();
                return true;
            }
            return false;
        });
    }

    private Channel bind(ListenerConfig l) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ListenerChannelInitializer(plane, l.name()));
        ChannelFuture f = b.bind(new InetSocketAddress(l.host(), l.port())).await();
        if (!f.isSuccess()) {
            throw new IllegalStateException(String.valueOf(f.cause().getMessage()), f.cause());
        }
        return f.channel();
    }

    /** The bound address of a listener (tests bind port 0). */
    public synchronized InetSocketAddress boundAddress(String name) {
        Bound b = bound.get(name);
        return b == null ? null : (InetSocketAddress) b.channel().localAddress();
    }

    public synchronized Map<String, String> describe() {
        Map<String, String> out = new TreeMap<>();
        bound.forEach((k, v) -> out.put(k, String.valueOf(v.channel().localAddress())));
        return out;
    }

    public synchronized void close() {
        bound.values().forEach(b -> b.channel().close().syncUninterruptibly());
        bound.clear();
    }
}
