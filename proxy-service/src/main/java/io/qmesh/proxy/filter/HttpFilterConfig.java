package io.qmesh.proxy.filter;

/** The immutable, translated configuration of one HTTP filter (listener level or per route). */
public interface HttpFilterConfig {

    /** The Envoy filter name this configures, e.g. envoy.filters.http.fault. */
    String filterName();
}
