package io.qmesh.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Downstream HTTP/2 over cleartext (h2c), reached two ways: prior knowledge (the connection starts with
 * the HTTP/2 preface, seen by {@link #detector}) and the HTTP/1.1 {@code Upgrade: h2c} request
 * ({@link #upgradeHandler}, RFC 7540 3.2; that request becomes stream 1).
 *
 * <p>Each stream is a child channel whose pipeline turns frames into the same {@code HttpObject}s the
 * HTTP/1.1 decoder yields and hands them to a {@link DownstreamHandler}: the same exchange, routing,
 * filters and router serve both codecs. Response parts written by the exchange
 * become HEADERS/DATA/trailing HEADERS frames; per-stream flow control is the back-pressure.
 */
final class DownstreamHttp2 {

    /** The HTTP/1.1 handlers that an HTTP/2 connection replaces (names as the listener initializer sets them). */
    static final List<String> HTTP1_HANDLERS = List.of("decoder", "encoder", "upgrade", "continue", "idle", "downstream");

    private DownstreamHttp2() {
    }

    /** The first handler of an HTTP connection: switches to HTTP/2 when the client speaks it with prior knowledge. */
    static ChannelHandler detector(DataPlane plane, String listenerName) {
        return new PrefaceDetector(plane, listenerName);
    }

    /** Answers {@code Upgrade: h2c} with 101 and turns the connection into HTTP/2; other requests pass through. */
    static ChannelHandler upgradeHandler(DataPlane plane, String listenerName) {
        HttpServerUpgradeHandler.SourceCodec http1 = ctx -> {
            ChannelPipeline p = ctx.pipeline();
            p.addBefore(ctx.name(), "h2-idle", idleTimer(plane));
            p.addBefore(ctx.name(), "h2-idle-close", new IdleCloser());
            removeHttp1(p, ctx.name());
            ctx.channel().config().setAutoRead(true);
        };
        HttpServerUpgradeHandler.UpgradeCodecFactory codecs = protocol ->
                Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME.toString().contentEquals(protocol)
                        ? new Http2ServerUpgradeCodec(frameCodec(plane), multiplexer(plane, listenerName)) : null;
        return new HttpServerUpgradeHandler(http1, codecs, plane.limits().requestBufferBytes()) {
            @Override
            protected boolean shouldHandleUpgradeRequest(HttpRequest req) {
                // Only h2c is ours to answer; a WebSocket upgrade goes on to the router. A request with
                // bad framing is rejected by the exchange, never upgraded.
                String upgrade = req.headers().get(HttpHeaderNames.UPGRADE);
                return req.decoderResult().isSuccess() && upgrade != null && upgrade.trim().equalsIgnoreCase("h2c");
            }
        };
    }

    private static void removeHttp1(ChannelPipeline p, String except) {
        for (String name : HTTP1_HANDLERS) {
            if (!name.equals(except) && p.get(name) != null) {
                p.remove(name);
            }
        }
    }

    private static Http2FrameCodec frameCodec(DataPlane plane) {
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxHeaderListSize(plane.limits().maxHeaderSize())
                        .maxConcurrentStreams(1024))
                .validateHeaders(true)
                .build();
    }

    private static Http2MultiplexHandler multiplexer(DataPlane plane, String listenerName) {
        return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                // The stream reads when its exchange wants more of the body: a DATA frame left unread
                // is a WINDOW_UPDATE not sent, so HTTP/2 flow control carries the back-pressure.
                ch.config().setAutoRead(false);
                ch.pipeline().addLast("h2-codec", new Http2StreamFrameToHttpObjectCodec(true))
                        .addLast("continue", new HttpServerExpectContinueHandler())
                        .addLast("downstream", new DownstreamHandler(plane, listenerName));
            }
        });
    }

    private static IdleStateHandler idleTimer(DataPlane plane) {
        return new IdleStateHandler(0, 0, plane.limits().idleTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    /** Prior knowledge: the 24-byte preface decides; anything else is HTTP/1.1 and passes on untouched. */
    static final class PrefaceDetector extends ByteToMessageDecoder {
        private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
        private final DataPlane plane;
        private final String listenerName;

        PrefaceDetector(DataPlane plane, String listenerName) {
            this.plane = plane;
            this.listenerName = listenerName;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
            for (int i = 0; i < n; i++) {
                if (in.getByte(in.readerIndex() + i) != PREFACE.getByte(i)) {
                    ctx.pipeline().remove(this); // HTTP/1.1: the bytes read so far go on to its decoder
                    return;
                }
            }
            if (n < PREFACE.readableBytes()) {
                return; // undecided: wait for more bytes
            }
            ChannelPipeline p = ctx.pipeline();
            removeHttp1(p, null);
            p.addAfter(ctx.name(), "h2-idle", idleTimer(plane))
                    .addAfter("h2-idle", "h2-idle-close", new IdleCloser())
                    .addAfter("h2-idle-close", "h2-codec", frameCodec(plane))
                    .addAfter("h2-codec", "h2-mux", multiplexer(plane, listenerName));
            p.remove(this); // the preface and what follows go on to the HTTP/2 codec
            // The connection reads continuously (SETTINGS, PING, WINDOW_UPDATE); streams are flow-controlled.
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** Closes an HTTP/2 connection (downstream or upstream) that stayed idle with no open stream (Envoy's idle_timeout). */
    static final class IdleCloser extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
                if (codec == null || codec.connection().numActiveStreams() == 0) {
                    ctx.close();
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
