package io.qmesh.proxy.filter;

import com.google.protobuf.Any;

/**
 * envoy.filters.http.router: the terminal filter. Its work (cluster pick, load balancing,
 * retries, timeouts) is the HTTP exchange's forwarding; this filter only hands the request over.
 */
public final class RouterFilterFactory implements HttpFilterFactory {

    public static final String NAME = "envoy.filters.http.router";

    private static final HttpFilterConfig CONFIG = () -> NAME;
    private static final HttpFilter ROUTER = FilterContext::proceed;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public HttpFilterConfig parse(Any typedConfig, String field) {
        return CONFIG;
    }

    @Override
    public HttpFilterConfig parsePerRoute(Any typedConfig, String field) {
        return CONFIG;
    }

    @Override
    public HttpFilter create(HttpFilterConfig config) {
        return ROUTER;
    }
}
