package io.qmesh.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestBody} against EmbeddedChannel sinks: replay while within the limit, hand-over and
 * release past it, back-pressure, framing; every buffer ends with refCnt 0.
 */
class RequestBodyTest {

    final List<ByteBuf> received = new ArrayList<>();

    HttpContent part(String s) {
        ByteBuf b = Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
        received.add(b);
        return new DefaultHttpContent(b);
    }

    /** What the sink got: the head, then the body as text (every outbound message released). */
    static String drain(EmbeddedChannel sink) {
        StringBuilder sb = new StringBuilder();
        Object m;
        while ((m = sink.readOutbound()) != null) {
            if (m instanceof HttpRequest r) {
                sb.append(r.method()).append(' ');
            }
            if (m instanceof HttpContent c) {
                sb.append(c.content().toString(StandardCharsets.US_ASCII));
                if (m instanceof LastHttpContent) {
                    sb.append('|');
                }
            }
            ReferenceCountUtil.release(m);
        }
        return sb.toString();
    }

    void assertAllReleased() {
        for (ByteBuf b : received) {
            assertEquals(0, b.refCnt());
        }
    }

    @Test
    void aBodyWithinTheLimitIsReplayedToEveryAttempt() {
        RequestBody body = new RequestBody(100);
        body.add(part("abc"));
        EmbeddedChannel first = new EmbeddedChannel();
        body.sendTo(first, HttpMethod.POST, "/", new DefaultHttpHeaders());
        assertTrue(body.add(part("def")));
        body.add(new DefaultLastHttpContent());
        assertEquals("POST abcdef|", drain(first));
        assertTrue(body.detach(), "the whole request reached the first attempt");
        assertFalse(body.wantsMore(), "complete: nothing more to read");

        EmbeddedChannel retry = new EmbeddedChannel();
        body.sendTo(retry, HttpMethod.POST, "/", new DefaultHttpHeaders());
        Object full = retry.readOutbound();
        assertInstanceOf(FullHttpRequest.class, full, "complete by now: one message");
        assertEquals("abcdef", ((FullHttpRequest) full).content().toString(StandardCharsets.US_ASCII));
        ReferenceCountUtil.release(full);
        body.release();
        assertAllReleased();
    }

    @Test
    void aRetryBackOffReadsAheadOnlyUpToTheLimitAgain() {
        RequestBody body = new RequestBody(6);
        body.add(part("abcd"));
        EmbeddedChannel first = new EmbeddedChannel();
        body.sendTo(first, HttpMethod.POST, "/", new DefaultHttpHeaders());
        drain(first);
        body.detach(); // the attempt failed: its 4 bytes wait for the next one
        assertTrue(body.wantsMore());
        body.add(part("ef"));
        assertFalse(body.wantsMore(), "6 bytes wait for the retry");
        EmbeddedChannel retry = new EmbeddedChannel();
        body.sendTo(retry, HttpMethod.POST, "/", new DefaultHttpHeaders());
        body.add(new DefaultLastHttpContent());
        assertEquals("POST abcdef|", drain(retry));
        body.release();
        assertAllReleased();
    }

    @Test
    void pastTheLimitTheBodyIsHandedOnAndNoLongerReplayable() {
        RequestBody body = new RequestBody(5);
        EmbeddedChannel sink = new EmbeddedChannel();
        body.add(part("abc"));
        body.sendTo(sink, HttpMethod.PUT, "/", new DefaultHttpHeaders());
        assertTrue(body.replayable());
        assertFalse(body.add(part("def")), "6 bytes > 5: overflow reported once");
        assertFalse(body.replayable());
        assertTrue(body.add(part("ghi")));
        body.add(new DefaultLastHttpContent());
        assertEquals("PUT abcdefghi|", drain(sink));
        assertAllReleased(); // nothing is kept once written
        assertEquals(9, body.receivedBytes());
        body.release();
    }

    @Test
    void aBodyStillHeldWholeCanBeSentToARedirectedRequest() {
        RequestBody kept = new RequestBody(100);
        kept.add(part("abc"));
        kept.add(new DefaultLastHttpContent());
        EmbeddedChannel first = new EmbeddedChannel();
        kept.sendTo(first, HttpMethod.POST, "/", new DefaultHttpHeaders());
        drain(first);
        kept.detach();
        kept.stopKeeping(); // the redirected request's route has no retries
        assertTrue(kept.resendable(), "not replayable any more, but every byte is still here");
        EmbeddedChannel redirected = new EmbeddedChannel();
        kept.sendTo(redirected, HttpMethod.POST, "/", new DefaultHttpHeaders());
        Object full = redirected.readOutbound();
        assertEquals("abc", ((FullHttpRequest) full).content().toString(StandardCharsets.US_ASCII));
        ReferenceCountUtil.release(full);
        assertFalse(kept.resendable(), "handed to the sink itself this time");
        kept.release();

        RequestBody unsent = new RequestBody(2);
        unsent.add(part("abcdef"));
        assertFalse(unsent.replayable(), "past the limit");
        assertTrue(unsent.resendable(), "never sent: still whole (an overflowed request)");
        EmbeddedChannel sink = new EmbeddedChannel();
        unsent.sendTo(sink, HttpMethod.POST, "/", new DefaultHttpHeaders());
        unsent.add(part("gh"));
        assertFalse(unsent.resendable(), "sent past the limit: gone");
        drain(sink);
        unsent.release();
        assertAllReleased();
    }

    @Test
    void withoutASinkTheDownstreamIsReadOnlyUpToTheLimit() {
        RequestBody body = new RequestBody(4);
        body.stopKeeping();
        assertTrue(body.wantsMore());
        body.add(part("abcd"));
        assertFalse(body.wantsMore(), "4 bytes wait for an upstream: stop reading");
        EmbeddedChannel sink = new EmbeddedChannel();
        body.sendTo(sink, HttpMethod.POST, "/", new DefaultHttpHeaders());
        assertTrue(body.wantsMore(), "written on: read again while the sink is writable");
        body.add(new DefaultLastHttpContent());
        assertFalse(body.wantsMore());
        assertEquals("POST abcd|", drain(sink));
        body.release();
        assertAllReleased();
    }

    @Test
    void framingFollowsWhatIsKnownOfTheBody() {
        RequestBody streaming = new RequestBody(100);
        streaming.add(part("abc"));
        HttpHeaders h = new DefaultHttpHeaders();
        streaming.frame(h, false);
        assertEquals("chunked", h.get(HttpHeaderNames.TRANSFER_ENCODING));
        h = new DefaultHttpHeaders().set(HttpHeaderNames.CONTENT_LENGTH, 10);
        streaming.frame(h, true);
        assertEquals("10", h.get(HttpHeaderNames.CONTENT_LENGTH), "the client's length stands");
        assertFalse(h.contains(HttpHeaderNames.TRANSFER_ENCODING));
        streaming.add(new DefaultLastHttpContent());
        h = new DefaultHttpHeaders();
        streaming.frame(h, false);
        assertEquals("3", h.get(HttpHeaderNames.CONTENT_LENGTH), "complete: the exact length");
        streaming.release();

        RequestBody empty = new RequestBody(100);
        empty.add(LastHttpContent.EMPTY_LAST_CONTENT);
        h = new DefaultHttpHeaders();
        empty.frame(h, false);
        assertFalse(h.contains(HttpHeaderNames.CONTENT_LENGTH) || h.contains(HttpHeaderNames.TRANSFER_ENCODING));
        assertAllReleased();
    }

    @Test
    void grpcTimeoutIsReadInMillisecondsRoundingUp() {
        assertEquals(150, GrpcTimeout.parseMillis("150m"));
        assertEquals(2_000, GrpcTimeout.parseMillis("2S"));
        assertEquals(7_200_000, GrpcTimeout.parseMillis("2H"));
        assertEquals(60_000, GrpcTimeout.parseMillis("1M"));
        assertEquals(1, GrpcTimeout.parseMillis("1u"));
        assertEquals(2, GrpcTimeout.parseMillis("1000001n"));
        assertEquals(-1, GrpcTimeout.parseMillis("123456789m"), "at most 8 digits");
        assertEquals(-1, GrpcTimeout.parseMillis("10x"));
        assertEquals(-1, GrpcTimeout.parseMillis("m"));
        assertEquals(-1, GrpcTimeout.parseMillis(null));
    }
}
