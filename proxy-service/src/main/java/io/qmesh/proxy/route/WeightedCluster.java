package io.qmesh.proxy.route;

import io.qmesh.proxy.filter.HttpFilterConfig;
import java.util.Map;

/** One target of a route: a cluster name and its weight (1 for a plain cluster route). */
public record WeightedCluster(String name, int weight, HeaderMutation requestHeaders,
                              HeaderMutation responseHeaders, Map<String, HttpFilterConfig> perFilterConfig) {
}
