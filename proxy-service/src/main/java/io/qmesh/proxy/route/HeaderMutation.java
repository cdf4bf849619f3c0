package io.qmesh.proxy.route;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/** request/response_headers_to_add and _to_remove of a route, virtual host or route configuration. */
public record HeaderMutation(List<HeaderValue> add, List<String> remove) {

    public static final HeaderMutation NONE = new HeaderMutation(List.of(), List.of());

    /** @param append true adds another value, false overwrites (Envoy's append_action). */
    public record HeaderValue(String name, String value, boolean append) {
    }

    public boolean isEmpty() {
        return add.isEmpty() && remove.isEmpty();
    }

    public void applyTo(HttpHeaders headers) {
        for (String name : remove) {
            headers.remove(name);
        }
        for (HeaderValue h : add) {
            if (h.append()) {
                headers.add(h.name(), h.value());
            } else {
                headers.set(h.name(), h.value());
            }
        }
    }
}
