package io.qmesh.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.qmesh.proxy.cluster.ConnectionPools;
import io.qmesh.proxy.config.FilterChainConfig;
import io.qmesh.proxy.config.ListenerConfig;
import io.qmesh.proxy.config.ProxyConfig;
import io.qmesh.proxy.filter.HttpFilterRegistry;
import io.qmesh.proxy.filter.RouterFilterFactory;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.route.HeaderMutation;
import io.qmesh.proxy.route.PathMatcher;
import io.qmesh.proxy.route.Route;
import io.qmesh.proxy.route.RouteAction;
import io.qmesh.proxy.route.RouteMatch;
import io.qmesh.proxy.route.RouteTable;
import io.qmesh.proxy.route.VirtualHost;
import io.qmesh.proxy.stats.AccessLogEntry;
import io.qmesh.proxy.stats.IstioMetrics;
import io.qmesh.proxy.stats.StatsRegistry;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The downstream pipeline in an EmbeddedChannel: framing attacks get 400 and close, direct responses
 * and 404s are answered locally, and every buffer is released (refCnt 0; surefire runs with paranoid
 * leak detection).
 */
class DownstreamPipelineTest {

    final List<AccessLogEntry> log = new ArrayList<>();
    final StatsRegistry stats = new StatsRegistry();

    EmbeddedChannel channel() {
        DataPlane plane = plane(stats, log);
        assertTrue(HttpFilterRegistry.standard().names().contains("envoy.filters.http.fault"));
        return new EmbeddedChannel(new StrictHttpRequestDecoder(new HttpDecoderConfig()), new HttpResponseEncoder(),
                new HttpServerExpectContinueHandler(), new DownstreamHandler(plane, "test"));
    }

    /** A data plane whose listener "test" answers example.com with a direct 200 "hello" (header x-direct: yes). */
    static DataPlane plane(StatsRegistry stats, List<AccessLogEntry> log) {
        RouteTable table = new RouteTable("80", List.of(new VirtualHost("vh", List.of("example.com"), List.of(
                new Route("direct", new RouteMatch(new PathMatcher(PathMatcher.Kind.PREFIX, "/", null, true), List.of(),
                        List.of()), new RouteAction.DirectResponse(200, "hello"), HeaderMutation.NONE,
                        new HeaderMutation(List.of(new HeaderMutation.HeaderValue("x-direct", "yes", false)), List.of()),
                        Map.of())), HeaderMutation.NONE, HeaderMutation.NONE, null)), HeaderMutation.NONE, HeaderMutation.NONE);
        var router = new RouterFilterFactory();
        FilterChainConfig chain = new FilterChainConfig("c", 0, "test", null, new FilterChainConfig.RouteTableRef(table),
                List.of(router.create(router.parse(com.google.protobuf.Any.getDefaultInstance(), "f"))), null);
        ListenerConfig listener = new ListenerConfig("test", "127.0.0.1", 80, true, false, false, true, List.of(chain), null);
        ProxyConfig config = new ProxyConfig(1, "v", Map.of("test", listener), Map.of(), Map.of(), true);
        DataPlane plane = new DataPlane(new AtomicReference<>(config), stats, new IstioMetrics(), log::add,
                RandomSource.seeded(1), System::nanoTime,
                new ConnectionPools(NioSocketChannel.class, UpstreamHandler.pipelines(), 1), HttpLimits.DEFAULT,
                DataPlane.LocalWorkload.UNKNOWN);
        return plane;
    }

    static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    static String drain(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            sb.append(out.toString(StandardCharsets.US_ASCII));
            out.release();
            assertEquals(0, out.refCnt());
        }
        return sb.toString();
    }

    void assertRejected(String request) {
        EmbeddedChannel ch = channel();
        ByteBuf in = bytes(request);
        ch.writeInbound(in);
        assertEquals(0, in.refCnt(), "input buffer released");
        String out = drain(ch);
        assertTrue(out.startsWith("HTTP/1.1 400 Bad Request"), out);
        assertTrue(out.contains("connection: close"), out);
        assertFalse(ch.isOpen(), "connection closed after a framing error");
        assertEquals(1, stats.get("http.downstream_rq_malformed"));
        assertTrue(log.get(0).format().contains(" 400 DPE "), log.get(0).format());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void contentLengthWithTransferEncodingIsRejected() {
        assertRejected("POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: example.com\r\n\r\n");
    }

    @Test
    void duplicateContentLengthIsRejected() {
        assertRejected("POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc");
    }

    @Test
    void badChunkSizeIsRejected() {
        assertRejected("POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
    }

    @Test
    void directResponseWithHeaderMutationAndKeepAlive() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("GET /a HTTP/1.1\r\nHost: example.com\r\n\r\nGET /b HTTP/1.1\r\nHost: example.com:80\r\n\r\n"));
        String out = drain(ch);
        assertEquals(2, out.split("HTTP/1.1 200 OK", -1).length - 1, out);
        assertTrue(out.contains("x-direct: yes"), out);
        assertTrue(out.endsWith("hello"), out);
        assertTrue(ch.isOpen());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void unknownHostIs404NoRoute() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("GET / HTTP/1.1\r\nHost: other.com\r\nConnection: close\r\n\r\n"));
        String out = drain(ch);
        assertTrue(out.startsWith("HTTP/1.1 404 Not Found"), out);
        assertTrue(log.get(0).format().contains(" 404 NR "), log.get(0).format());
        assertEquals(1, stats.get("http.test.no_route"));
        assertFalse(ch.isOpen(), "Connection: close is honoured");
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void chunkedBodyIsStreamedAndReleased() {
        EmbeddedChannel ch = channel();
        ByteBuf in = bytes("POST /x HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\n");
        ch.writeInbound(in);
        assertEquals(0, in.refCnt());
        assertTrue(drain(ch).startsWith("HTTP/1.1 200 OK"));
        assertFalse(ch.finishAndReleaseAll());
    }
}
