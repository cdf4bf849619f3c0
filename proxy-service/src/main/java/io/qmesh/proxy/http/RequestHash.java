package io.qmesh.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.qmesh.proxy.lb.Hashing;
import io.qmesh.proxy.route.HashPolicy;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;

/** A route's hash_policy applied to a request: the first policy with a value gives the key (Envoy's order). */
final class RequestHash {

    private RequestHash() {
    }

    /** The hash for consistent-hash load balancers, or null when no policy finds a value. */
    static Long of(List<HashPolicy> policies, HttpExchange ex) {
        for (HashPolicy p : policies) {
            String key = switch (p.kind()) {
                case HEADER -> ex.view.header(p.name().toLowerCase(Locale.ROOT));
                case COOKIE -> cookie(ex, p.name());
                case SOURCE_IP -> ex.ctx.channel().remoteAddress() instanceof InetSocketAddress a
                        ? a.getAddress().getHostAddress() : null;
            };
            if (key != null) {
                return Hashing.hash64(key);
            }
        }
        return null;
    }

    private static String cookie(HttpExchange ex, String name) {
        for (String header : ex.request.headers().getAll(HttpHeaderNames.COOKIE)) {
            for (String pair : header.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
                    return pair.substring(eq + 1).trim();
                }
            }
        }
        return null;
    }
}
