package io.qmesh.proxy.route;

import io.qmesh.proxy.filter.HttpFilterConfig;
import java.util.Map;

/**
 * One Envoy route: a match, an action, header mutations and typed_per_filter_config.
 *
 * @param perFilterConfig by Envoy filter name, e.g. envoy.filters.http.fault
 */
public record Route(String name, RouteMatch match, RouteAction action, HeaderMutation requestHeaders,
                    HeaderMutation responseHeaders, Map<String, HttpFilterConfig> perFilterConfig) {
}
