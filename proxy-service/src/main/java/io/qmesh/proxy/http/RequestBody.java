package io.qmesh.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;

/**
 * A request body as it streams in from the downstream, on its way to the current upstream attempt
 * (the <em>sink</em>). Confined to the downstream event loop.
 *
 * <p>Envoy's router semantics: while retries or mirrors may still need the body, every chunk is kept
 * (a retry replays them, a mirror gets a copy) up to the buffer limit ({@code retry_shadow_buffer_limit},
 * by default the connection's {@code per_connection_buffer_limit_bytes}). Once the body grows past the
 * limit it is no longer {@linkplain #replayable() replayable}: chunks already written are released and
 * the request is still proxied, but neither retried nor mirrored. Without a sink (the route is still
 * being chosen, a fault delay, a connection being opened, a retry back-off) chunks wait here, and the
 * downstream is read only while fewer than the limit's worth of bytes wait ({@link #wantsMore}); with a
 * sink, only while the sink is writable. That is the whole back-pressure: proxy memory per request is
 * bounded by the limit plus the sink's write buffer, whatever the body's size.
 *
 * <p>Ownership: every chunk added is owned here until it is released or handed to the sink (a retained
 * duplicate while replayable, the chunk itself otherwise).
 */
final class RequestBody {

    private final int bufferLimit;
    /** Received chunks; those before {@link #sent} are written to the sink and kept only while replayable. */
    private final ArrayList<ByteBuf> chunks = new ArrayList<>(2);
    private boolean keep = true;
    private boolean replayable = true;
    private boolean complete;
    private HttpHeaders trailers = EmptyHttpHeaders.INSTANCE;
    private long receivedBytes;
    /** Bytes in {@link #chunks} not yet written to the sink. */
    private long unsentBytes;
    private Channel sink;
    private int sent;
    private boolean sentLast;
    private boolean everSent;
    private boolean released;

    RequestBody(int bufferLimit) {
        this.bufferLimit = bufferLimit;
    }

    /**
     * Takes a received part (ownership passes here) and writes it on to the sink, if any.
     *
     * @return false when this part took a replayable body past the buffer limit (it is not replayable
     *         from now on); true otherwise
     */
    boolean add(HttpContent part) {
        if (released || complete) {
            part.release();
            return true;
        }
        ByteBuf data = part.content();
        int n = data.readableBytes();
        receivedBytes += n;
        if (n > 0) {
            chunks.add(data);
            unsentBytes += n;
        } else {
            data.release();
        }
        if (part instanceof LastHttpContent last) {
            complete = true;
            trailers = last.trailingHeaders().isEmpty() ? EmptyHttpHeaders.INSTANCE : last.trailingHeaders().copy();
        }
        boolean overflowed = false;
        if (replayable && keep && receivedBytes > bufferLimit) {
            replayable = false;
            overflowed = true;
        }
        if (!replayable || !keep) {
            dropSent();
        }
        if (sink != null) {
            writePending(true);
        }
        return !overflowed;
    }

    /** Retries and mirrors are off for this request (no retry policy, a fault): nothing is kept once written. */
    void stopKeeping() {
        keep = false;
        replayable = false;
        dropSent();
    }

    /** Whether the whole body is still held, so that it can be sent again (a retry) or copied (a mirror). */
    boolean replayable() {
        return replayable;
    }

    /**
     * Whether everything received so far is still held, so that the body can go to a new upstream request
     * (a custom_response redirect): kept while replayable, or never sent. Unlike {@link #replayable()} it
     * stays true after {@link #stopKeeping()} until a chunk is actually handed off or released.
     */
    boolean resendable() {
        long held = 0;
        for (ByteBuf b : chunks) {
            held += b.readableBytes();
        }
        return !released && held == receivedBytes;
    }

    boolean complete() {
        return complete;
    }

    long receivedBytes() {
        return receivedBytes;
    }

    /** Whether the downstream should be read for more of this body now (see the class comment). */
    boolean wantsMore() {
        if (complete || released) {
            return false;
        }
        return sink != null ? sink.isWritable() : unsentBytes < bufferLimit;
    }

    /**
     * Makes {@code ch} the sink and writes the request to it: {@code head} (whose headers say how the
     * body is framed, see {@link #frame}) with everything received so far, then each part as it comes.
     * Only the first attempt or a body still held whole ({@link #resendable()}) may be sent.
     */
    void sendTo(Channel ch, HttpMethod method, String uri, HttpHeaders headers) {
        if (everSent && !resendable()) {
            throw new IllegalStateException("the body was already sent and is no longer held");
        }
        everSent = true;
        sink = ch;
        sentLast = false;
        if (complete) {
            // The common case (the body arrived with the headers): one message, one write.
            FullHttpRequest full = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, takeAll(),
                    headers, trailers.isEmpty() ? EmptyHttpHeaders.INSTANCE : trailers.copy());
            sentLast = true;
            ch.writeAndFlush(full, ch.voidPromise());
            return;
        }
        ch.write(new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri, headers), ch.voidPromise());
        writePending(true);
    }

    /**
     * Sets the framing headers of the upstream request: the downstream's Content-Length when it sent
     * one, the exact length when the whole body is here, else chunked (HTTP/2 drops it, DATA frames
     * frame the body).
     */
    void frame(HttpHeaders headers, boolean downstreamHadContentLength) {
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (complete) {
            if (receivedBytes > 0 || downstreamHadContentLength) {
                headers.set(HttpHeaderNames.CONTENT_LENGTH, receivedBytes);
            } else {
                headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            }
        } else if (!downstreamHadContentLength) {
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            headers.set(HttpHeaderNames.TRANSFER_ENCODING,
                    HttpHeaderValues.CHUNKED);
        }
    }

    /**
     * The sink's attempt is over: no more parts go to it. Replayable chunks stay for the next attempt.
     *
     * @return whether the whole request (up to its last part) was written to the sink
     */
    boolean detach() {
        boolean whole = sentLast;
        sink = null;
        sent = 0;
        sentLast = false;
        unsentBytes = 0;
        if (!replayable) {
            // Nothing may be sent again; what was not written yet is useless now.
            for (ByteBuf b : chunks) {
                b.release();
            }
            chunks.clear();
        } else {
            for (ByteBuf b : chunks) {
                unsentBytes += b.readableBytes(); // all of it goes to the next attempt
            }
        }
        return whole;
    }

    /** A copy of the whole body (retained duplicates), for a mirror; only while replayable and complete. */
    FullHttpRequest copy(HttpMethod method, String uri, HttpHeaders headers) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, duplicateAll(), headers,
                trailers.isEmpty() ? EmptyHttpHeaders.INSTANCE : trailers.copy());
    }

    void release() {
        released = true;
        sink = null;
        for (ByteBuf b : chunks) {
            b.release();
        }
        chunks.clear();
        unsentBytes = 0;
    }

    private void writePending(boolean flush) {
        Channel ch = sink;
        boolean wrote = false;
        while (sent < chunks.size()) {
            ByteBuf b = chunks.get(sent);
            unsentBytes -= b.readableBytes();
            if (replayable) {
                ch.write(new DefaultHttpContent(b.retainedDuplicate()), ch.voidPromise());
                sent++;
            } else {
                chunks.remove(sent);
                ch.write(new DefaultHttpContent(b), ch.voidPromise());
            }
            wrote = true;
        }
        if (complete && !sentLast) {
            sentLast = true;
            ch.write(trailers.isEmpty() ? LastHttpContent.EMPTY_LAST_CONTENT
                    : new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, trailers.copy()), ch.voidPromise());
            wrote = true;
        }
        if (wrote && flush) {
            ch.flush();
        }
    }

    /** Releases chunks already written to the sink (no longer needed once the body is not replayable). */
    private void dropSent() {
        for (int i = 0; i < sent; i++) {
            chunks.get(i).release();
        }
        chunks.subList(0, sent).clear();
        sent = 0;
    }

    /** The whole body for one write: retained duplicates while replayable, else the chunks themselves. */
    private ByteBuf takeAll() {
        unsentBytes = 0;
        if (replayable) {
            sent = chunks.size();
            return duplicateAll();
        }
        ByteBuf out;
        if (chunks.isEmpty()) {
            out = Unpooled.EMPTY_BUFFER;
        } else if (chunks.size() == 1) {
            out = chunks.get(0);
        } else {
            CompositeByteBuf c = Unpooled.compositeBuffer(chunks.size());
            c.addComponents(true, chunks);
            out = c;
        }
        chunks.clear();
        return out;
    }

    private ByteBuf duplicateAll() {
        if (chunks.isEmpty()) {
            return Unpooled.EMPTY_BUFFER;
        }
        if (chunks.size() == 1) {
            return chunks.get(0).retainedDuplicate();
        }
        CompositeByteBuf c = Unpooled.compositeBuffer(chunks.size());
        for (ByteBuf b : chunks) {
            c.addComponent(true, b.retainedDuplicate());
        }
        return c;
    }
}
