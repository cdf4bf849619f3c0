package io.qmesh.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.function.IntConsumer;

/**
 * One direction of a byte tunnel (tcp_proxy, or an HTTP/1.1 connection after {@code 101 Switching
 * Protocols}): what this channel reads is written to {@code peer}. This channel reads again only after
 * that write completed, so a slow reader throttles the fast writer (back-pressure; both channels have
 * autoRead off). Each ByteBuf read is handed to exactly one write. When this side closes, the peer is
 * flushed and closed; an idle timeout closes it too.
 */
final class ByteRelay extends ChannelInboundHandlerAdapter {

    private final Channel peer;
    private final IntConsumer onBytes;

    /** @param onBytes told the size of each buffer relayed (metrics) */
    ByteRelay(Channel peer, IntConsumer onBytes) {
        this.peer = peer;
        this.onBytes = onBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf) || !peer.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        onBytes.accept(buf.readableBytes());
        peer.writeAndFlush(buf).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                ctx.channel().read();
            } else {
                ctx.close();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closePeer();
        ctx.fireChannelInactive();
    }

    private void closePeer() {
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
