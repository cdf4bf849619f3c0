package io.qmesh.proxy.filter;

/**
 * One step of the HTTP filter chain, run once per request on the downstream event loop.
 * A filter either calls {@link FilterContext#proceed()} (now or later, e.g. after a delay) or ends
 * the request with {@link FilterContext#respondLocally}. It must never block.
 */
public interface HttpFilter {

    void onRequest(FilterContext context);
}
