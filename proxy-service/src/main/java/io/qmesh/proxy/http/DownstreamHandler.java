package io.qmesh.proxy.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.qmesh.proxy.stats.AccessLogEntry;
import io.qmesh.proxy.stats.ResponseFlag;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * One downstream HTTP/1.1 connection. It runs one {@link HttpExchange} at a time; pipelined
 * requests wait in a queue (the aggregator may decode several from one read). Reading is driven by
 * hand (autoRead off): the next read happens only when no exchange is in flight, which is the
 * downstream half of back-pressure.
 */
final class DownstreamHandler extends ChannelInboundHandlerAdapter {

    private final DataPlane plane;
    private final String listenerName;
    private final ArrayDeque<FullHttpRequest> queued = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private HttpExchange current;
    private boolean closing;

    DownstreamHandler(DataPlane plane, String listenerName) {
        this.plane = plane;
        this.listenerName = listenerName;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (current != null) {
            queued.add(request);
            return;
        }
        start(request);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (current == null && !closing) {
            ctx.read();
        }
    }

    private void start(FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            rejectMalformed(request);
            return;
        }
        current = new HttpExchange(plane, ctx, this, listenerName, request);
        current.start();
    }

    /** Malformed or ambiguous framing: 400, close, and the request never reaches an upstream. */
    private void rejectMalformed(FullHttpRequest request) {
        closing = true;
        String reason = String.valueOf(request.decoderResult().cause() == null ? "bad request"
                : request.decoderResult().cause().getMessage());
        String method = request.method() == null ? "-" : request.method().name();
        String uri = request.uri();
        ReferenceCountUtil.release(request);
        releaseQueued();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                Unpooled.copiedBuffer("bad request", StandardCharsets.US_ASCII));
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        plane.stats().inc("http.downstream_rq_4xx");
        plane.stats().inc("http.downstream_rq_malformed");
        plane.accessLog().log(new AccessLogEntry(Instant.now(), method, uri, "HTTP/1.1", 400,
                ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR.bit(), 0, 11, 0, null, null, reason, null, null, null, null));
    }

    /** Called by the exchange once its response is fully written (or abandoned). */
    void onExchangeComplete(boolean keepAlive) {
        current = null;
        if (!keepAlive || closing) {
            closing = true;
            releaseQueued();
            return;
        }
        FullHttpRequest next = queued.poll();
        if (next != null) {
            start(next);
        } else if (ctx.channel().isActive()) {
            ctx.read();
        }
    }

    /**
     * The upstream answered 101 and the 101 is written: from here the connection is a byte tunnel to
     * {@code upstream} (WebSocket and other upgrades). Both HTTP codecs leave their pipelines; the
     * decoders go last, so bytes they already hold go on into the tunnel rather than being lost.
     */
    void onUpgraded(Channel upstream) {
        current = null;
        closing = true;
        releaseQueued();
        Channel downstream = ctx.channel();
        ChannelPipeline down = ctx.pipeline();
        down.remove("encoder");
        down.remove("aggregator");
        if (down.get("upgrade") != null) {
            down.remove("upgrade");
        }
        down.replace(this, "tunnel", new ByteRelay(upstream, n -> { }));
        ChannelPipeline up = upstream.pipeline();
        up.replace(UpstreamHandler.class, "tunnel", new ByteRelay(downstream, n -> { }));
        up.remove(HttpClientCodec.class);
        down.remove("decoder");
        downstream.read();
        upstream.read();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && current != null) {
            current.onDownstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        releaseQueued();
        if (current != null) {
            HttpExchange exchange = current;
            current = null;
            exchange.onDownstreamClosed();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (current == null) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void releaseQueued() {
        FullHttpRequest r;
        while ((r = queued.poll()) != null) {
            ReferenceCountUtil.release(r);
        }
    }
}
