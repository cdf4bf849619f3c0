package io.qmesh.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.qmesh.proxy.testing.Mesh;
import io.qmesh.proxy.testing.ProxyHarness;
import io.qmesh.proxy.xds.TypeUrls;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WebSocket through the proxy on loopback: the JDK's WebSocket client, a listener whose HCM enables
 * the websocket upgrade, and a real Netty WebSocket echo server. After the 101 the proxy relays bytes
 * both ways; a 512 KiB binary message crosses it with back-pressure. A listener without the upgrade
 * config answers 403, as Envoy does.
 */
class WebSocketProxyTest {

    static final String ECHO = Mesh.outbound(8080, "", "echo.default.svc.cluster.local");
    static ProxyHarness h;
    static EventLoopGroup group;
    static Channel echoServer;
    static final AtomicInteger handshakes = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        group = new NioEventLoopGroup(1);
        echoServer = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                                        .websocketPath("/ws").checkStartsWith(true).maxFramePayloadLength(8 << 20).build()),
                                new SimpleChannelInboundHandler<WebSocketFrame>() {
                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                                            handshakes.incrementAndGet();
                                        }
                                    }

                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
                                        if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
                                            ctx.writeAndFlush(frame.retainedDuplicate());
                                        }
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        h = new ProxyHarness();
        h.ads.set(TypeUrls.CLUSTER, "c1", List.of(Mesh.edsCluster(ECHO, Cluster.LbPolicy.ROUND_ROBIN)));
        h.ads.set(TypeUrls.ENDPOINT, "e1", List.of(Mesh.endpoints(ECHO, (InetSocketAddress) echoServer.localAddress())));
        h.ads.set(TypeUrls.LISTENER, "l1", List.of(Mesh.boundHttpListener("ws-edge", "edge", "websocket"),
                Mesh.boundHttpListener("plain-edge", "edge")));
        h.ads.set(TypeUrls.ROUTE, "r1", List.of(RouteConfiguration.newBuilder().setName("edge")
                .addVirtualHosts(VirtualHost.newBuilder().setName("edge").addDomains("*")
                        .addRoutes(upgrade(Mesh.prefixRoute("/ws/denied", ECHO), false))
                        .addRoutes(upgrade(Mesh.prefixRoute("/ws/allowed", ECHO), true))
                        .addRoutes(Mesh.prefixRoute("/", ECHO)))
                .build()));
        h.awaitReady();
    }

    /** The route's own upgrade_configs entry for websocket. */
    static io.envoyproxy.envoy.config.route.v3.Route upgrade(io.envoyproxy.envoy.config.route.v3.Route r, boolean enabled) {
        return r.toBuilder().setRoute(r.getRoute().toBuilder().addUpgradeConfigs(
                io.envoyproxy.envoy.config.route.v3.RouteAction.UpgradeConfig.newBuilder().setUpgradeType("websocket")
                        .setEnabled(com.google.protobuf.BoolValue.of(enabled)))).build();
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
        echoServer.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Collects whole messages (text or binary) as they arrive. */
    static final class Collector implements WebSocket.Listener {
        final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            ws.request(1);
            return null;
        }
    }

    static URI uri(String listener) {
        return uri(listener, "/ws");
    }

    static URI uri(String listener, String path) {
        return URI.create("ws://127.0.0.1:" + h.proxy.listenerAddress(listener).getPort() + path);
    }

    /** The handshake's status through the proxy: 101 when the tunnel opened. */
    static int handshake(URI uri) throws Exception {
        try {
            HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, new Collector()).get(10, TimeUnit.SECONDS)
                    .sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
            return 101;
        } catch (ExecutionException e) {
            return ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode();
        }
    }

    @Test
    void messagesEchoBothWaysThroughTheProxy() throws Exception {
        Collector collector = new Collector();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(uri("ws-edge"), collector).get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 50; i++) {
            ws.sendText("message " + i, true).get(5, TimeUnit.SECONDS);
            assertEquals("message " + i, collector.messages.poll(5, TimeUnit.SECONDS));
        }
        // Larger than the socket buffers, so the relay goes several read-after-write rounds each way.
        byte[] big = new byte[512 << 10];
        new Random(7).nextBytes(big);
        ws.sendBinary(ByteBuffer.wrap(big), true).get(10, TimeUnit.SECONDS);
        assertArrayEquals(big, (byte[]) collector.messages.poll(10, TimeUnit.SECONDS));
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        assertTrue(handshakes.get() >= 1);
        assertTrue(h.accessLog.stream().anyMatch(e -> e.path().equals("/ws") && e.status() == 101
                && ECHO.equals(e.upstreamCluster())), "access log: " + h.accessLog);
    }

    @Test
    void aRoutesUpgradeConfigOverridesTheConnectionManagers() throws Exception {
        assertEquals(101, handshake(uri("plain-edge", "/ws/allowed")), "the route enables what the HCM does not");
        assertEquals(403, handshake(uri("ws-edge", "/ws/denied")), "the route refuses what the HCM enables");
    }

    @Test
    void upgradeNotEnabledOnTheConnectionManagerGets403() throws Exception {
        int before = handshakes.get();
        assertEquals(403, handshake(uri("plain-edge")));
        assertEquals(before, handshakes.get(), "the upstream never saw the upgrade");
    }
}
