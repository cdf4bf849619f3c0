package io.qmesh.proxy.filter;

import com.google.protobuf.Any;
import io.qmesh.proxy.config.InvalidConfigException;

/**
 * Creates one kind of HTTP filter, registered by its Envoy name. Parsing happens at the xDS edge
 * (invalid input throws and the update is NACKed); {@link #create} happens when the config is applied.
 */
public interface HttpFilterFactory {

    String name();

    /** Translates the listener-level typed_config ({@code field} names it for error messages). */
    HttpFilterConfig parse(Any typedConfig, String field) throws InvalidConfigException;

    /**
     * Translates a route's typed_per_filter_config entry; by default it has the listener config's type, as
     * for Envoy's fault and custom_response filters.
     */
    default HttpFilterConfig parsePerRoute(Any typedConfig, String field) throws InvalidConfigException {
        return parse(typedConfig, field);
    }

    HttpFilter create(HttpFilterConfig config);
}
