package io.qmesh.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.SocketChannel;
import io.qmesh.proxy.listener.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Decoding the kernel's sockaddr and the fallbacks; the REDIRECT path itself is proven in a network
 * namespace by {@code RedirectCaptureNamespaceTest}.
 */
class OriginalDestinationTest {

    @Test
    void decodesSockaddrIn() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.order(ByteOrder.nativeOrder()).putShort(0, (short) 2);
        b.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) 9080);
        b.put(4, new byte[] {10, 96, 0, 20});
        assertEquals(new InetSocketAddress(InetAddress.getByName("10.96.0.20"), 9080), OriginalDestination.parse(b));
    }

    @Test
    void decodesSockaddrIn6WithAHighPort() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(28);
        b.order(ByteOrder.nativeOrder()).putShort(0, (short) 10);
        b.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) 65000);
        byte[] address = InetAddress.getByName("fd00::20").getAddress();
        b.put(8, address);
        assertEquals(new InetSocketAddress(InetAddress.getByName("fd00::20"), 65000), OriginalDestination.parse(b));
    }

    @Test
    void rejectsUnknownFamiliesAndShortBuffers() {
        ByteBuffer unix = ByteBuffer.allocate(16);
        unix.order(ByteOrder.nativeOrder()).putShort(0, (short) 1);
        assertNull(OriginalDestination.parse(unix));
        assertNull(OriginalDestination.parse(ByteBuffer.allocate(4)));
        ByteBuffer truncatedV6 = ByteBuffer.allocate(16);
        truncatedV6.order(ByteOrder.nativeOrder()).putShort(0, (short) 10);
        assertNull(OriginalDestination.parse(truncatedV6));
    }

    @Test
    void aChannelWithoutAnIpAddressHasNoDestination() {
        EmbeddedChannel ch = new EmbeddedChannel();
        assertNull(OriginalDestination.of(ch));
        assertFalse(OriginalDestination.redirected(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void aConnectionThatWasNotRedirectedKeepsItsLocalAddress() throws Exception {
        Transport transport = Transport.detect(true);
        assumeTrue(transport.isEpoll(), "skipped: needs Netty's native epoll (Linux)");
        EventLoopGroup group = transport.newGroup(1, "original-dst-test");
        try {
            CompletableFuture<InetSocketAddress[]> seen = new CompletableFuture<>();
            Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            InetSocketAddress captured = OriginalDestination.capture(ch);
                            seen.complete(new InetSocketAddress[] {captured, ch.localAddress(),
                                OriginalDestination.of(ch), OriginalDestination.redirected(ch) ? captured : null});
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            Channel client = new Bootstrap().group(group).channel(transport.socketChannel())
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();
            InetSocketAddress[] s = seen.get(10, TimeUnit.SECONDS);
            assertEquals(s[1], s[0], "captured = local address");
            assertEquals(s[1], s[2], "of() = the captured address");
            assertNull(s[3], "not redirected");
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
