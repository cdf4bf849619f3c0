package io.qmesh.proxy.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, made strict about ambiguous framing. Netty by default drops
 * Content-Length when Transfer-Encoding: chunked is also present (RFC 9112 allows it); a proxy must
 * not, because the upstream might frame the request differently (request smuggling). We mark such a
 * request as failed so it gets a 400 and the connection is closed. Duplicate Content-Length and bad
 * chunk sizes are already decoder failures in Netty.
 */
final class StrictHttpRequestDecoder extends HttpRequestDecoder {

    StrictHttpRequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        super.handleTransferEncodingChunkedWithContentLength(message);
        message.setDecoderResult(DecoderResult.failure(
                new IllegalArgumentException("both Content-Length and Transfer-Encoding: chunked")));
    }
}
