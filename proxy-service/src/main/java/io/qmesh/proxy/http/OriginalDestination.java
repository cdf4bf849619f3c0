package io.qmesh.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ServerChannel;
import io.netty.channel.unix.RawUnixChannelOption;
import io.netty.util.AttributeKey;
import io.qmesh.proxy.lb.LbEndpoint;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The address a captured connection was really dialled to, as Envoy's {@code original_dst} listener
 * filter finds it.
 *
 * <ul>
 *   <li>iptables REDIRECT (Istio's default) rewrites the destination to the proxy's port; the kernel
 *       keeps the original in conntrack and returns it from {@code getsockopt(SOL_IP, SO_ORIGINAL_DST)}
 *       ({@code SOL_IPV6, IP6T_SO_ORIGINAL_DST} for IPv6).</li>
 *   <li>TPROXY leaves the destination alone: the accepted socket's local address is the original.</li>
 * </ul>
 *
 * <p>The getsockopt goes through Netty's epoll transport ({@link RawUnixChannelOption}, a generic
 * getsockopt in the JNI library Netty already loads), so no native code of our own is needed and a
 * GraalVM native image needs nothing beyond Netty's epoll. Under NIO (no epoll) the option is not
 * available and the local address is used, i.e. TPROXY and explicit-proxy mode only.
 *
 * <p>{@link #capture} runs once per accepted connection of a {@code use_original_dst} listener, on
 * its event loop (one non-blocking syscall); the result is kept on the channel for every request
 * of the connection.
 */
public final class OriginalDestination {

    private static final AttributeKey<InetSocketAddress> KEY = AttributeKey.valueOf("qmesh.originalDestination");
    private static final int SOL_IP = 0;
    private static final int SOL_IPV6 = 41;
    /** SO_ORIGINAL_DST (linux/netfilter_ipv4.h) and IP6T_SO_ORIGINAL_DST (linux/netfilter_ipv6/ip6_tables.h). */
    private static final int SO_ORIGINAL_DST = 80;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final RawUnixChannelOption IPV4 = new RawUnixChannelOption("SO_ORIGINAL_DST", SOL_IP, SO_ORIGINAL_DST, 16);
    private static final RawUnixChannelOption IPV6 = new RawUnixChannelOption("IP6T_SO_ORIGINAL_DST", SOL_IPV6, SO_ORIGINAL_DST, 28);

    private OriginalDestination() {
    }

    /**
     * Finds and remembers where {@code ch} was dialled to: the NAT original destination when the
     * connection was redirected, else the local address. Never throws.
     */
    public static InetSocketAddress capture(Channel ch) {
        InetSocketAddress local = (InetSocketAddress) ch.localAddress();
        InetSocketAddress original = query(ch, local);
        InetSocketAddress result = original != null ? original : local;
        ch.attr(KEY).set(result);
        return result;
    }

    /**
     * The destination of the connection {@code ch} (or, for an HTTP/2 stream, its parent) belongs
     * to: what {@link #capture} found, else the local address; null if it has no IP address.
     */
    public static InetSocketAddress of(Channel ch) {
        for (Channel c = ch; c != null; c = c.parent()) {
            InetSocketAddress captured = c.hasAttr(KEY) ? c.attr(KEY).get() : null;
            if (captured != null) {
                return captured;
            }
        }
        SocketAddress local = ch.localAddress();
        return local instanceof InetSocketAddress inet ? inet : null;
    }

    /** Whether {@link #capture} found a destination other than the socket's own address (REDIRECT). */
    public static boolean redirected(Channel ch) {
        InetSocketAddress captured = ch.hasAttr(KEY) ? ch.attr(KEY).get() : null;
        return captured != null && !captured.equals(ch.localAddress());
    }

    /**
     * Whether {@code ch} was captured (REDIRECT or TPROXY): dialled to another port than the one its
     * listener socket is bound to. A client that connects to the listener itself (explicit proxy) was not.
     */
    public static boolean captured(Channel ch) {
        InetSocketAddress destination = of(ch);
        Channel connection = ch;
        while (connection.parent() != null && !(connection.parent() instanceof ServerChannel)) {
            connection = connection.parent(); // an HTTP/2 stream: its connection
        }
        SocketAddress listening = connection.parent() == null ? null : connection.parent().localAddress();
        return destination != null && listening instanceof InetSocketAddress l && destination.getPort() != l.getPort();
    }

    /**
     * The endpoint an ORIGINAL_DST (passthrough) cluster has for connection (or HTTP/2 stream)
     * {@code ch}: where it was dialled to, if it was captured; else null (a connection to the proxy's
     * own port must not be sent back to it).
     */
    public static LbEndpoint passthroughEndpoint(Channel ch) {
        return captured(ch) ? new LbEndpoint(of(ch), 1, true, "", new LbEndpoint.Counters()) : null;
    }

    private static InetSocketAddress query(Channel ch, InetSocketAddress local) {
        if (local == null) {
            return null;
        }
        RawUnixChannelOption option = local.getAddress() instanceof Inet6Address ? IPV6 : IPV4;
        try {
            ByteBuffer sockaddr = ch.config().getOption(option);
            return sockaddr == null ? null : parse(sockaddr);
        } catch (ChannelException | UnsupportedOperationException e) {
            // ENOENT: no NAT entry for this connection (not redirected, or conntrack not loaded).
            return null;
        }
    }

    /**
     * Decodes a {@code struct sockaddr_in} (16 bytes) or {@code sockaddr_in6} (28 bytes) as the
     * kernel fills it: family in host byte order, port and address in network byte order.
     * Returns null for anything else.
     */
    static InetSocketAddress parse(ByteBuffer sockaddr) {
        ByteBuffer b = sockaddr.duplicate();
        if (b.remaining() < 8) {
            return null;
        }
        int family = b.order(ByteOrder.nativeOrder()).getShort(b.position()) & 0xffff;
        int port = b.order(ByteOrder.BIG_ENDIAN).getShort(b.position() + 2) & 0xffff;
        byte[] address;
        if (family == AF_INET) {
            address = new byte[4];
            b.get(b.position() + 4, address);
        } else if (family == AF_INET6 && b.remaining() >= 24) {
            address = new byte[16];
            b.get(b.position() + 8, address);
        } else {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (UnknownHostException e) {
            // Unreachable: the array is 4 or 16 bytes by construction. Loud rather than a silent null.
            throw new IllegalStateException("address of " + address.length + " bytes", e);
        }
    }
}
