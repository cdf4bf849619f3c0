package io.qmesh.proxy.filter.ratelimit;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.qmesh.proxy.filter.FilterContext;
import io.qmesh.proxy.filter.HttpFilter;
import io.qmesh.proxy.filter.HttpFilterConfig;
import io.qmesh.proxy.filter.ratelimit.RateLimits.Entry;
import io.qmesh.proxy.stats.ResponseFlag;
import java.util.ArrayList;
import java.util.List;

/**
 * envoy.filters.http.local_ratelimit: the most specific config (route, else virtual host, else the
 * listener's) decides. If it is enabled for this request, its buckets are asked; an allowed request
 * goes on, a limited one gets 429 {@code local_rate_limited} with the configured response headers and
 * flag RL when enforced (gRPC requests get grpc-status UNAVAILABLE, or RESOURCE_EXHAUSTED if so
 * configured), and goes on with {@code request_headers_to_add_when_not_enforced} otherwise.
 */
final class LocalRateLimitFilter implements HttpFilter {
    private static final int GRPC_UNAVAILABLE = 14;
    private static final int GRPC_RESOURCE_EXHAUSTED = 8;

    private final LocalRateLimitFilterConfig listenerConfig;

    LocalRateLimitFilter(LocalRateLimitFilterConfig listenerConfig) {
        this.listenerConfig = listenerConfig;
    }

    @Override
    public void onRequest(FilterContext ctx) {
        HttpFilterConfig perRoute = ctx.perRouteConfig(LocalRateLimitFilterFactory.NAME);
        LocalRateLimitFilterConfig config = perRoute instanceof LocalRateLimitFilterConfig c ? c : listenerConfig;
        if (config.limiter() == null || !draw(ctx, config.enabledPerMillion())) {
            ctx.proceed();
            return;
        }
        config.counters().enabled().increment();
        List<List<Entry>> descriptors = config.hasDescriptors() ? descriptors(ctx, config) : List.of();
        if (config.limiter().allow(descriptors)) {
            config.counters().ok().increment();
            ctx.proceed();
            return;
        }
        config.counters().rateLimited().increment();
        if (!draw(ctx, config.enforcedPerMillion())) {
            config.requestHeadersWhenNotEnforced().forEach(h -> ctx.requestHeaders().set(h.getKey(), h.getValue()));
            ctx.proceed();
            return;
        }
        config.counters().enforced().increment();
        boolean grpc = isGrpc(ctx.requestHeaders());
        ctx.respondLocally(config.status(), "local_rate_limited", ResponseFlag.RATE_LIMITED, grpc,
                grpc ? (config.resourceExhausted() ? GRPC_RESOURCE_EXHAUSTED : GRPC_UNAVAILABLE) : -1,
                config.responseHeaders());
    }

    private static boolean draw(FilterContext ctx, int perMillion) {
        return perMillion >= 1_000_000 || (perMillion > 0 && ctx.random(1_000_000) < perMillion);
    }

    private static List<List<Entry>> descriptors(FilterContext ctx, LocalRateLimitFilterConfig config) {
        HttpHeaders headers = ctx.requestHeaders();
        if (!config.rateLimits().isEmpty()) {
            return config.rateLimits().descriptors(headers);
        }
        RateLimits route = ctx.routeRateLimits();
        RateLimits vhost = ctx.virtualHostRateLimits();
        boolean withVhost = switch (config.vhRateLimits()) {
            case INCLUDE -> true;
            case IGNORE -> false;
            case OVERRIDE -> route.isEmpty();
        };
        if (!withVhost || vhost.isEmpty()) {
            return route.descriptors(headers);
        }
        List<List<Entry>> out = new ArrayList<>(route.descriptors(headers));
        out.addAll(vhost.descriptors(headers));
        return out;
    }

    private static boolean isGrpc(HttpHeaders headers) {
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.startsWith("application/grpc");
    }
}
