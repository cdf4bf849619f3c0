package io.qmesh.proxy.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
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
 * One downstream HTTP/1.1 connection, or one HTTP/2 stream (the same objects arrive through
 * {@code Http2StreamFrameToHttpObjectCodec}). It runs one {@link HttpExchange} at a time: a request
 * head creates it, the body parts that follow stream into it, and pipelined requests wait in a queue
 * (one read may decode several, then reading pauses). Reading is continuous and pauses only for
 * back-pressure ({@link #readIfWanted}): while a body is arriving the exchange says whether it wants
 * more (the upstream's pace, {@link RequestBody}).
 *
 * <p>An exchange starts at the end of the read that brought its head, so that framing errors in the
 * same read (a bad first chunk) are rejected before anything reaches an upstream.
 */
final class DownstreamHandler extends ChannelInboundHandlerAdapter {

    private final DataPlane plane;
    private final String listenerName;
    /** Parts of pipelined requests read while an exchange was in flight. */
    private final ArrayDeque<HttpObject> queued = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private HttpExchange current;
    /** The current exchange's request body is still arriving: parts read now belong to it. */
    private boolean receiving;
    /** The current exchange was created by a head of this read and starts when the read completes. */
    private boolean startPending;
    private boolean closing;

    DownstreamHandler(DataPlane plane, String listenerName) {
        this.plane = plane;
        this.listenerName = listenerName;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        readIfWanted();
        ctx.fireChannelActive();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject part) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if ((current != null && !receiving) || !queued.isEmpty()) {
            queued.add(part);
            return;
        }
        dispatch(part);
    }

    /** One part, in order: a head starts an exchange, body parts go to the exchange receiving them. */
    private void dispatch(HttpObject part) {
        if (part instanceof HttpRequest head) {
            if (current != null) {
                ReferenceCountUtil.release(part); // cannot happen: the decoder ends a body before the next head
                return;
            }
            if (!head.decoderResult().isSuccess()) {
                rejectMalformed(head);
                return;
            }
            HttpRequest request = head;
            HttpContent body = null;
            if (head instanceof FullHttpRequest full) {
                // HTTP/2 HEADERS with END_STREAM, or the h2c upgrade request: split like HTTP/1.1 parts.
                request = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
                body = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
            }
            current = new HttpExchange(plane, ctx, this, listenerName, request);
            receiving = true;
            startPending = true;
            if (body != null) {
                receive(body);
            }
        } else if (part instanceof HttpContent content && current != null && receiving) {
            receive(content);
        } else {
            ReferenceCountUtil.release(part); // the rest of a body whose exchange already ended
        }
    }

    private void receive(HttpContent content) {
        if (!content.decoderResult().isSuccess()) {
            content.release();
            HttpExchange exchange = current;
            receiving = false;
            if (startPending) {
                startPending = false;
                current = null;
                exchange.abandonUnstarted();
                rejectMalformed(exchange.request);
            } else {
                exchange.rejectMalformedBody();
            }
            return;
        }
        if (content instanceof LastHttpContent) {
            receiving = false;
        }
        current.onRequestContent(content);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        startPending();
        readIfWanted();
    }

    private void startPending() {
        if (startPending && current != null) {
            startPending = false;
            current.start();
        }
    }

    /**
     * Reading is continuous (autoRead on) and paused only when it must be: pipelined requests wait in
     * the queue, the body being received waits for its upstream (back-pressure), or an upgrade is
     * pending (bytes after it belong to the tunnel, not to the HTTP decoder). Pausing per request
     * instead would cost two epoll_ctl calls on every request.
     */
    void readIfWanted() {
        boolean want = !closing && queued.isEmpty() && (current == null || startPending
                || (receiving ? current.wantsRequestBody() : !current.upgradeRequested()));
        ChannelConfig config = ctx.channel().config();
        if (config.isAutoRead() != want) {
            config.setAutoRead(want); // on again also reads
        }
    }

    /** Malformed or ambiguous framing: 400, close, and the request never reaches an upstream. */
    private void rejectMalformed(HttpRequest request) {
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

    /**
     * Called by the exchange once its response is fully written (or abandoned). {@code reuse} is false
     * when the connection must close (no keep-alive, or the request body had not fully arrived).
     */
    void onExchangeComplete(boolean reuse) {
        current = null;
        startPending = false;
        if (!reuse || receiving || closing) {
            closing = true;
            receiving = false;
            releaseQueued();
            return;
        }
        HttpObject next;
        while ((next = queued.peek()) != null && (current == null || receiving)) {
            dispatch(queued.poll());
        }
        startPending();
        readIfWanted();
    }

    /**
     * The upstream answered 101 and the 101 is written: from here the connection is a byte tunnel to
     * {@code upstream} (WebSocket and other upgrades). Both HTTP codecs leave their pipelines; the
     * decoders go last, so bytes they already hold go on into the tunnel rather than being lost.
     */
    void onUpgraded(Channel upstream) {
        current = null;
        receiving = false;
        closing = true;
        releaseQueued();
        Channel downstream = ctx.channel();
        // The relays read by hand, each only after its last write completed.
        downstream.config().setAutoRead(false);
        upstream.config().setAutoRead(false);
        ChannelPipeline down = ctx.pipeline();
        down.remove("encoder");
        down.remove("continue");
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
            receiving = false;
            startPending = false;
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
        HttpObject r;
        while ((r = queued.poll()) != null) {
            ReferenceCountUtil.release(r);
        }
    }
}
