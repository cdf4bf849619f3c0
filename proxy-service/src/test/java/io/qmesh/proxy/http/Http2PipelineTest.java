package io.qmesh.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import io.qmesh.proxy.stats.AccessLogEntry;
import io.qmesh.proxy.stats.StatsRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The new handlers in EmbeddedChannels, every buffer accounted for (refCnt 0; surefire runs with
 * paranoid leak detection): prior-knowledge HTTP/2 and {@code Upgrade: h2c} on the real downstream
 * pipeline reach the same exchange as HTTP/1.1; the upstream handler splits a trailers-only HTTP/2
 * response; the byte relay hands each buffer on exactly once and closes its peer.
 */
class Http2PipelineTest {

    final List<AccessLogEntry> log = new ArrayList<>();
    final StatsRegistry stats = new StatsRegistry();

    EmbeddedChannel server() {
        // An accepted connection has a server channel as parent; Netty's HTTP/2 multiplexer checks it.
        EmbeddedChannel ch = new EmbeddedChannel(new LocalServerChannel(), DefaultChannelId.newInstance(), true, false);
        ListenerChannelInitializer.httpPipeline(ch.pipeline(), DownstreamPipelineTest.plane(stats, log), "test");
        ch.pipeline().fireChannelActive();
        return ch;
    }

    /** Moves bytes between the two channels until both are quiet. */
    static void pump(EmbeddedChannel client, EmbeddedChannel server) {
        boolean moved = true;
        while (moved) {
            moved = false;
            Object out;
            while ((out = client.readOutbound()) != null) {
                server.writeInbound(out);
                moved = true;
            }
            while ((out = server.readOutbound()) != null) {
                client.writeInbound(out);
                moved = true;
            }
            client.runPendingTasks();
            server.runPendingTasks();
        }
    }

    @Test
    void priorKnowledgeHttp2ReachesTheSameExchange() {
        EmbeddedChannel server = server();
        Http2ChannelDuplexHandler streams = new Http2ChannelDuplexHandler() { };
        EmbeddedChannel client = new EmbeddedChannel(Http2FrameCodecBuilder.forClient().build(), streams);
        Http2FrameStream stream = streams.newStream();
        client.writeOutbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("GET").scheme("http")
                .authority("example.com").path("/a"), true).stream(stream));
        pump(client, server);

        assertNotNull(server.pipeline().get("h2-codec"), "switched to HTTP/2");
        assertNull(server.pipeline().get("decoder"), "HTTP/1.1 decoder gone");
        Http2HeadersFrame headers = null;
        StringBuilder body = new StringBuilder();
        Object in;
        while ((in = client.readInbound()) != null) {
            if (in instanceof Http2HeadersFrame h && h.stream() == stream) {
                headers = h;
            } else if (in instanceof Http2DataFrame d) {
                body.append(d.content().toString(StandardCharsets.UTF_8));
                assertTrue(d.isEndStream());
                d.release();
                assertEquals(0, d.refCnt());
            } else {
                ReferenceCountUtil.release(in);
            }
        }
        assertNotNull(headers);
        assertEquals("200", headers.headers().status().toString());
        assertEquals("yes", headers.headers().get("x-direct").toString());
        assertEquals("hello", body.toString());
        assertEquals(1, log.size());
        assertEquals("HTTP/2", log.get(0).protocol());
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    @Test
    void h2cUpgradeAnswers101AndServesTheRequestAsStreamOne() {
        EmbeddedChannel server = server();
        ByteBuf request = Unpooled.copiedBuffer("GET /a HTTP/1.1\r\nHost: example.com\r\n"
                + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
                StandardCharsets.US_ASCII);
        server.writeInbound(request);
        assertEquals(0, request.refCnt());
        StringBuilder out = new StringBuilder(DownstreamPipelineTest.drain(server));
        assertTrue(out.toString().startsWith("HTTP/1.1 101 Switching Protocols"), out.toString());
        assertTrue(out.toString().toLowerCase().contains("upgrade: h2c"), out.toString());
        // After the 101: the server's SETTINGS, then stream 1's HEADERS and the DATA frame "hello".
        assertTrue(out.toString().endsWith("hello"), out.toString());
        assertNotNull(server.pipeline().get("h2-idle"));
        assertNull(server.pipeline().get("decoder"));
        assertNull(server.pipeline().get("upgrade"));
        assertEquals("HTTP/2", log.get(0).protocol());
        server.finishAndReleaseAll();
    }

    @Test
    void http11StillPassesTheDetector() {
        EmbeddedChannel server = server();
        server.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", StandardCharsets.US_ASCII));
        String out = DownstreamPipelineTest.drain(server);
        assertTrue(out.startsWith("HTTP/1.1 200 OK"), out);
        assertNull(server.pipeline().get("detect"));
        assertNotNull(server.pipeline().get("decoder"));
        assertFalse(server.finishAndReleaseAll());
    }

    @Test
    void trailersOnlyHttp2ResponseIsSplitIntoHeadAndLastPart() {
        EmbeddedChannel upstream = new EmbeddedChannel(new UpstreamHandler());
        List<HttpObject> received = new ArrayList<>();
        UpstreamHandler.of(upstream).attach(new UpstreamResponseListener() {
            @Override
            public void onUpstreamMessage(HttpObject msg) {
                received.add(msg);
            }

            @Override
            public void onUpstreamClosed(Throwable cause) {
            }
        });
        DefaultFullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.buffer(0));
        full.headers().set("grpc-status", "14");
        upstream.writeInbound(full);
        assertEquals(2, received.size());
        assertTrue(received.get(0) instanceof HttpResponse head && !(head instanceof HttpContent)
                && head.headers().get("grpc-status").equals("14"));
        assertTrue(received.get(1) instanceof LastHttpContent);
        ReferenceCountUtil.release(received.get(1));
        assertEquals(0, full.refCnt());

        UpstreamHandler.of(upstream).detach();
        ByteBuf stray = Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII);
        upstream.writeInbound(stray);
        assertEquals(0, stray.refCnt(), "data on an unowned upstream channel is released");
        assertFalse(upstream.isOpen(), "and the channel closes");
    }

    @Test
    void idleHttp2ConnectionWithoutStreamsCloses() {
        EmbeddedChannel client = new EmbeddedChannel(new DownstreamHttp2.IdleCloser(), Http2FrameCodecBuilder.forClient().build());
        client.pipeline().fireUserEventTriggered("not idleness");
        assertTrue(client.isOpen());
        client.pipeline().fireUserEventTriggered(io.netty.handler.timeout.IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertFalse(client.isOpen(), "no open stream: the idle connection closes");
        client.finishAndReleaseAll();
    }

    @Test
    void byteRelayHandsEachBufferOnOnceAndClosesThePeer() {
        EmbeddedChannel peer = new EmbeddedChannel();
        List<Integer> sizes = new ArrayList<>();
        EmbeddedChannel side = new EmbeddedChannel(new ByteRelay(peer, sizes::add));
        ByteBuf data = Unpooled.copiedBuffer("websocket frame bytes", StandardCharsets.US_ASCII);
        side.writeInbound(data);
        ByteBuf relayed = peer.readOutbound();
        assertSame(data, relayed, "the same buffer, not a copy");
        assertEquals(1, relayed.refCnt());
        relayed.release();
        assertEquals(0, data.refCnt());
        assertEquals(List.of(21), sizes);
        side.close();
        peer.runPendingTasks();
        assertFalse(peer.isOpen(), "closing one side closes the other");
        ByteBuf flush = peer.readOutbound();
        assertEquals(0, flush.readableBytes(), "only the empty flush-before-close write is left");
        assertFalse(peer.finishAndReleaseAll());
    }
}
