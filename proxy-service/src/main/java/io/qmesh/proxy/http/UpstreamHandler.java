package io.qmesh.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.qmesh.proxy.cluster.UpstreamPipelines;
import java.util.concurrent.TimeUnit;

/**
 * Last handler of an upstream HTTP/1.1 connection or HTTP/2 stream: forwards response parts to the
 * attempt that owns the channel. While pooled (no owner), any data is unexpected and closes it.
 *
 * <p>Both codecs yield the same {@link HttpObject}s, so one router serves both. The HTTP/2 codec
 * turns a headers-only stream (gRPC's trailers-only response) into a {@link FullHttpResponse}; it
 * is split here into a head and a last part, the shape HTTP/1.1 produces.
 */
public final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private UpstreamResponseListener owner;
    private Http2Error resetCode;

    static UpstreamHandler of(Channel ch) {
        return ch.pipeline().get(UpstreamHandler.class);
    }

    /** The handlers of new upstream channels. */
    public static UpstreamPipelines pipelines() {
        return new UpstreamPipelines(
                () -> new ChannelHandler[] {
                    new HttpClientCodec(16 * 1024, 64 * 1024, 64 * 1024, false),
                    new UpstreamHandler()
                },
                () -> new ChannelHandler[] {
                    // Istio's default upstream idle_timeout (1 h): a connection with no stream that long closes.
                    new IdleStateHandler(0, 0, 1, TimeUnit.HOURS),
                    new DownstreamHttp2.IdleCloser(),
                    Http2FrameCodecBuilder.forClient()
                            .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                            .validateHeaders(true)
                            // Streams beyond the peer's SETTINGS_MAX_CONCURRENT_STREAMS wait for a free
                            // slot instead of failing (the pool opens another connection once it knows).
                            .encoderEnforceMaxConcurrentStreams(true)
                            .build(),
                    // No pushed streams are accepted (push disabled); the handler is never used.
                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter())
                },
                () -> new ChannelHandler[] {
                    new Http2StreamFrameToHttpObjectCodec(false),
                    new UpstreamHandler()
                });
    }

    void attach(UpstreamResponseListener listener) {
        this.owner = listener;
    }

    void detach() {
        this.owner = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamResponseListener listener = owner;
        if (listener == null || !(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof FullHttpResponse full) {
            DefaultHttpResponse head = new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers());
            DefaultLastHttpContent last = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
            listener.onUpstreamMessage(head);
            if (owner == listener) {
                listener.onUpstreamMessage(last);
            } else {
                last.release();
            }
            return;
        }
        listener.onUpstreamMessage((HttpObject) msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamResponseListener listener = owner;
        if (listener != null && ctx.channel().isWritable()) {
            listener.onUpstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset) {
            resetCode = Http2Error.valueOf(reset.errorCode());
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamResponseListener listener = owner;
        owner = null;
        if (listener != null) {
            listener.onUpstreamClosed(resetCode == null ? null : new StreamResetException(resetCode));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        UpstreamResponseListener listener = owner;
        owner = null;
        ctx.close();
        if (listener != null) {
            listener.onUpstreamClosed(cause);
        }
    }

    /** The upstream reset the stream (RST_STREAM) with {@code code}; REFUSED_STREAM is retriable as refused-stream. */
    static final class StreamResetException extends Exception {
        final Http2Error code;

        StreamResetException(Http2Error code) {
            super("stream reset: " + code, null, false, false);
            this.code = code;
        }
    }
}
