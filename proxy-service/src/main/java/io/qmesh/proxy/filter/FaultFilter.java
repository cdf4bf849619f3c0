package io.qmesh.proxy.filter;

import io.qmesh.proxy.stats.ResponseFlag;

/**
 * envoy.filters.http.fault: delays and/or aborts a percentage of requests. The route's
 * typed_per_filter_config overrides the listener-level config (that is where Istio puts a
 * VirtualService's fault). The delay is applied first, then the abort, each with its own draw.
 */
final class FaultFilter implements HttpFilter {

    private final FaultFilterConfig listenerConfig;

    FaultFilter(FaultFilterConfig listenerConfig) {
        this.listenerConfig = listenerConfig;
    }

    @Override
    public void onRequest(FilterContext ctx) {
        HttpFilterConfig perRoute = ctx.perRouteConfig(FaultFilterFactory.NAME);
        FaultFilterConfig config = perRoute instanceof FaultFilterConfig f ? f : listenerConfig;
        if (config == null || !config.hasFault()) {
            ctx.proceed();
            return;
        }
        // Istio: a route with faults gets no retries and no timeout.
        ctx.markFaultInjected();
        if (config.delayMillis() > 0 && ctx.random(1_000_000) < config.delayPerMillion()) {
            ctx.addFlag(ResponseFlag.DELAY_INJECTED);
            ctx.schedule(config.delayMillis(), () -> abortOrProceed(ctx, config));
        } else {
            abortOrProceed(ctx, config);
        }
    }

    private static void abortOrProceed(FilterContext ctx, FaultFilterConfig config) {
        if (config.abortPerMillion() > 0 && ctx.random(1_000_000) < config.abortPerMillion()) {
            boolean grpc = config.abortGrpcStatus() >= 0;
            ctx.respondLocally(grpc ? 200 : config.abortHttpStatus(), "fault filter abort",
                    ResponseFlag.FAULT_INJECTED, grpc, config.abortGrpcStatus());
        } else {
            ctx.proceed();
        }
    }
}
