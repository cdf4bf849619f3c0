package io.qmesh.proxy.admin;

/**
 * Envoy-style tag extraction for Prometheus: {@code cluster.<name>.upstream_rq_total} becomes
 * {@code envoy_cluster_upstream_rq_total{cluster_name="<name>"}} (cluster names contain dots, stat
 * names do not), {@code http.<prefix>.x} gets {@code envoy_http_conn_manager_prefix}, and
 * {@code <prefix>.http_local_rate_limit.x} gets {@code envoy_local_http_ratelimit_prefix}, as Envoy tags them.
 */
final class PrometheusNames {

    private PrometheusNames() {
    }

    /** [metric name, label block]. */
    static String[] of(String stat) {
        if (stat.startsWith("cluster.")) {
            int last = stat.lastIndexOf('.');
            if (last > "cluster.".length()) {
                return new String[] {"envoy_cluster_" + sanitize(stat.substring(last + 1)),
                        "{cluster_name=\"" + escape(stat.substring("cluster.".length(), last)) + "\"}"};
            }
        }
        if (stat.startsWith("http.")) {
            int dot = stat.indexOf('.', 5);
            if (dot > 0) {
                return new String[] {"envoy_http_" + sanitize(stat.substring(dot + 1)),
                        "{envoy_http_conn_manager_prefix=\"" + escape(stat.substring(5, dot)) + "\"}"};
            }
        }
        int rateLimit = stat.indexOf(".http_local_rate_limit.");
        if (rateLimit > 0 && stat.indexOf('.') == rateLimit) {
            return new String[] {"envoy_http_local_rate_limit_" + sanitize(stat.substring(rateLimit + ".http_local_rate_limit.".length())),
                    "{envoy_local_http_ratelimit_prefix=\"" + escape(stat.substring(0, rateLimit)) + "\"}"};
        }
        return new String[] {"envoy_" + sanitize(stat), ""};
    }

    private static String sanitize(String s) {
        return s.replaceAll("[^a-zA-Z0-9_]", "_");
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
