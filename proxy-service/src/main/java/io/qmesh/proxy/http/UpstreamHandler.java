package io.qmesh.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler of an upstream connection: forwards response parts to the attempt that owns the
 * connection. While pooled (no owner), any data is unexpected and closes the connection.
 */
public final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private UpstreamResponseListener owner;

    static UpstreamHandler of(Channel ch) {
        return ch.pipeline().get(UpstreamHandler.class);
    }

    /** The handlers of a new upstream connection. */
    public static io.netty.channel.ChannelHandler[] newPipeline() {
        return new io.netty.channel.ChannelHandler[] {
            new HttpClientCodec(16 * 1024, 64 * 1024, 64 * 1024, false),
            new UpstreamHandler()
        };
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
        listener.onUpstreamMessage((HttpObject) msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamResponseListener listener = owner;
        owner = null;
        if (listener != null) {
            listener.onUpstreamClosed(null);
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
}
