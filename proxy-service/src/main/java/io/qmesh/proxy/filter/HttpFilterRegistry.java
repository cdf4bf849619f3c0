package io.qmesh.proxy.filter;

import java.util.Map;
import java.util.TreeMap;

/** The HTTP filters this proxy knows, by Envoy filter name. Unknown filters are NACKed unless marked optional. */
public final class HttpFilterRegistry {

    private final Map<String, HttpFilterFactory> factories = new TreeMap<>();

    public static HttpFilterRegistry standard() {
        HttpFilterRegistry registry = new HttpFilterRegistry();
        registry.register(new FaultFilterFactory());
        registry.register(new RouterFilterFactory());
        registry.register(new CustomResponseFilterFactory());
        return registry;
    }

    public HttpFilterRegistry register(HttpFilterFactory factory) {
        factories.put(factory.name(), factory);
        return this;
    }

    /** The factory for a filter name or for its typed_config type URL suffix; null if unknown. */
    public HttpFilterFactory find(String name) {
        return factories.get(name);
    }

    public java.util.Set<String> names() {
        return factories.keySet();
    }
}
