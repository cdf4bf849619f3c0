package io.qmesh.pilot.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import io.qmesh.pilot.model.PolicyAttachment.InboundRateLimits;
import io.qmesh.pilot.model.PolicyAttachment.RouteRateLimit;
import io.qmesh.pilot.model.istio.RateLimitPolicy;
import io.qmesh.pilot.model.istio.VirtualService;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * RateLimitPolicy to Envoy's standard local rate limit, the way Envoy's docs and Istio's rate-limit task
 * configure it: {@code envoy.filters.http.local_ratelimit} in the inbound connection manager before the
 * router, with no token bucket of its own (so it does nothing by default), and the policy's bucket as
 * {@code typed_per_filter_config} on the inbound virtual host (a policy for the whole port) or on routes
 * copied from the VirtualService http route the policy names (its match blocks, in front of the
 * {@code default} route). Descriptors become {@code rate_limits} request_headers actions on the same
 * virtual host or route, and {@code descriptors} of the per-route config; a header without a value is
 * Envoy's wildcard descriptor, a bucket per distinct value.
 */
final class RateLimitTranslator {
    static final String FILTER = "envoy.filters.http.local_ratelimit";
    static final String LISTENER_STAT_PREFIX = "http_local_rate_limiter";
    static final String RESPONSE_HEADER = "x-local-rate-limit";
    /** Envoy's TokenBucket counts are uint32; an absent default limit becomes a bucket that never empties. */
    static final long UNLIMITED = 4_294_967_295L;

    private RateLimitTranslator() {
    }

    /** The connection-manager filter: in the chain, disabled until a route or virtual host configures it. */
    static HttpFilter filter() {
        return HttpFilter.newBuilder()
                .setName(FILTER)
                .setTypedConfig(Protos.any(LocalRateLimit.newBuilder().setStatPrefix(LISTENER_STAT_PREFIX).build()))
                .build();
    }

    /** The inbound route configuration with the port's policies attached. */
    static RouteConfiguration apply(RouteConfiguration inbound, InboundRateLimits limits) {
        VirtualHost vh = inbound.getVirtualHosts(0);
        VirtualHost.Builder b = vh.toBuilder().clearRoutes();
        if (limits.forPort() != null) {
            b.putTypedPerFilterConfig(FILTER, Protos.any(config(limits.forPort())));
            b.addAllRateLimits(rateLimits(limits.forPort()));
        }
        Route fallback = vh.getRoutes(vh.getRoutesCount() - 1);
        for (RouteRateLimit r : limits.forRoutes()) {
            b.addAllRoutes(routes(r, fallback, limits.port()));
        }
        b.addAllRoutes(vh.getRoutesList());
        return inbound.toBuilder().setVirtualHosts(0, b).build();
    }

    /** One route per match block of the VirtualService route (no match = everything), each with the policy. */
    private static List<Route> routes(RouteRateLimit r, Route fallback, int port) {
        List<RouteMatch> matches = new ArrayList<>();
        if (r.route().match().isEmpty()) {
            matches.add(RouteMatch.newBuilder().setPrefix("/").build());
        }
        for (VirtualService.HttpMatchRequest m : r.route().match()) {
            // Client-side conditions (sourceLabels, gateways) cannot be told apart on the server side.
            if (m.port() == null || m.port() == port) {
                matches.add(HttpRouteBuilder.match(m));
            }
        }
        Any config = Protos.any(config(r.policy()));
        List<Route> out = new ArrayList<>();
        for (RouteMatch m : matches) {
            out.add(Route.newBuilder()
                    .setName(r.route().name())
                    .setMatch(m)
                    .setRoute(fallback.getRoute().toBuilder().addAllRateLimits(rateLimits(r.policy())))
                    .putTypedPerFilterConfig(FILTER, config)
                    .build());
        }
        return out;
    }

    /** The per-route (or per-virtual-host) filter config of one policy. */
    static LocalRateLimit config(RateLimitPolicy policy) {
        RateLimitPolicy.Spec spec = policy.spec();
        LocalRateLimit.Builder b = LocalRateLimit.newBuilder()
                .setStatPrefix(statPrefix(policy))
                .setTokenBucket(spec.limit() != null ? bucket(spec.limit())
                        : TokenBucket.newBuilder().setMaxTokens((int) UNLIMITED).setTokensPerFill(Protos.u32(UNLIMITED))
                                .setFillInterval(Protos.seconds(1)).build())
                .setFilterEnabled(always("local_rate_limit_enabled"))
                .setFilterEnforced(always("local_rate_limit_enforced"))
                .addResponseHeadersToAdd(header(RESPONSE_HEADER, "true"));
        spec.responseHeaders().forEach(h -> b.addResponseHeadersToAdd(header(h.name(), h.value())));
        for (RateLimitPolicy.Descriptor d : spec.descriptors()) {
            LocalRateLimitDescriptor.Builder ld = LocalRateLimitDescriptor.newBuilder().setTokenBucket(bucket(d.limit()));
            d.headers().forEach(h -> ld.addEntries(RateLimitDescriptor.Entry.newBuilder()
                    .setKey(key(h.name())).setValue(h.value() == null ? "" : h.value())));
            b.addDescriptors(ld);
        }
        if (spec.limit() == null) {
            // Without a policy-wide limit, a request some descriptor matched is not also counted elsewhere.
            b.setAlwaysConsumeDefaultTokenBucket(BoolValue.of(false));
        }
        return b.build();
    }

    /** Envoy's stat prefix is one tag token ({@code <prefix>.http_local_rate_limit.*}): no dots. */
    static String statPrefix(RateLimitPolicy policy) {
        return ("ratelimit_" + policy.metadata().namespace() + "_" + policy.metadata().name()).replace('.', '_');
    }

    /** One request_headers action list per distinct header list, so each descriptor's entries are generated once. */
    private static List<RateLimit> rateLimits(RateLimitPolicy policy) {
        Set<List<String>> lists = new LinkedHashSet<>();
        for (RateLimitPolicy.Descriptor d : policy.spec().descriptors()) {
            lists.add(d.headers().stream().map(h -> h.name().toLowerCase(Locale.ROOT)).toList());
        }
        List<RateLimit> out = new ArrayList<>();
        for (List<String> headers : lists) {
            RateLimit.Builder rl = RateLimit.newBuilder();
            headers.forEach(h -> rl.addActions(RateLimit.Action.newBuilder().setRequestHeaders(
                    RateLimit.Action.RequestHeaders.newBuilder().setHeaderName(h).setDescriptorKey(key(h)))));
            out.add(rl.build());
        }
        return out;
    }

    private static String key(String header) {
        return header.toLowerCase(Locale.ROOT);
    }

    /** {@code requests} per unit, refilled continuously by Envoy; the bucket holds {@code burst} (default: requests). */
    private static TokenBucket bucket(RateLimitPolicy.Limit limit) {
        long burst = limit.burst() != null ? limit.burst() : limit.requests();
        return TokenBucket.newBuilder()
                .setMaxTokens((int) burst)
                .setTokensPerFill(Protos.u32(limit.requests()))
                .setFillInterval(Protos.duration(Duration.ofSeconds(unitSeconds(limit.unit()))))
                .build();
    }

    static long unitSeconds(String unit) {
        return switch (unit) {
            case "MINUTE" -> 60;
            case "HOUR" -> 3600;
            default -> 1;
        };
    }

    private static RuntimeFractionalPercent always(String runtimeKey) {
        return RuntimeFractionalPercent.newBuilder()
                .setRuntimeKey(runtimeKey)
                .setDefaultValue(FractionalPercent.newBuilder().setNumerator(100).setDenominator(FractionalPercent.DenominatorType.HUNDRED))
                .build();
    }

    private static HeaderValueOption header(String name, String value) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
                .build();
    }
}
