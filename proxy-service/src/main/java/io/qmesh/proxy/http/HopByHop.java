package io.qmesh.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * Hop-by-hop headers (RFC 9110 7.6.1) are per connection and must not be forwarded. Netty's HTTP/2
 * to HTTP/1.x conversion adds {@code x-http2-*} headers (stream id, scheme, ...) that are per stream:
 * they go too.
 */
final class HopByHop {

    private static final HttpConversionUtil.ExtensionHeaderNames[] EXTENSIONS =
            HttpConversionUtil.ExtensionHeaderNames.values();

    private HopByHop() {
    }

    /** Removes hop-by-hop headers except Transfer-Encoding, which the encoder needs for framing. */
    static void strip(HttpHeaders h) {
        String connection = h.get(HttpHeaderNames.CONNECTION);
        if (connection != null && connection.indexOf(',') < 0) {
            removeListed(h, connection); // the usual "keep-alive" or "close": nothing to split
        } else if (connection != null) {
            for (String token : connection.split(",")) {
                removeListed(h, token);
            }
        }
        h.remove(HttpHeaderNames.CONNECTION);
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(HttpHeaderNames.PROXY_CONNECTION);
        h.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
        h.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        h.remove(HttpHeaderNames.TE);
        h.remove(HttpHeaderNames.TRAILER);
        h.remove(HttpHeaderNames.UPGRADE);
        h.remove(io.netty.handler.codec.http2.Http2CodecUtil.HTTP_UPGRADE_SETTINGS_HEADER);
        for (HttpConversionUtil.ExtensionHeaderNames ext : EXTENSIONS) {
            h.remove(ext.text());
        }
    }

    private static void removeListed(HttpHeaders h, String token) {
        String name = token.trim();
        if (!name.isEmpty() && !name.equalsIgnoreCase("transfer-encoding")) {
            h.remove(name);
        }
    }

    /** Whether a request asks for a protocol upgrade (RFC 9110 7.8): {@code Upgrade} listed in {@code Connection}. */
    static String upgradeRequested(HttpHeaders h) {
        String upgrade = h.get(HttpHeaderNames.UPGRADE);
        return upgrade != null && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                ? upgrade.trim().toLowerCase(java.util.Locale.ROOT) : null;
    }
}
