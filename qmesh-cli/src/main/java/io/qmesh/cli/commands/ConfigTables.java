package io.qmesh.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * istioctl-style tables over a proxy's config dump (protobuf JSON: lowerCamelCase names, default values
 * omitted, so a missing {@code type} is STATIC and a missing {@code bindToPort} is true).
 */
final class ConfigTables {
    private ConfigTables() {
    }

    static Table listeners(List<JsonNode> listeners) {
        Table t = new Table("NAME", "ADDRESSES", "PORT", "BIND", "MATCH", "DESTINATION");
        for (JsonNode l : listeners) {
            JsonNode sa = l.path("address").path("socketAddress");
            String bind = l.path("bindToPort").asBoolean(true) ? (l.path("useOriginalDst").asBoolean() ? "yes, original-dst" : "yes")
                    : "no (hand-off target)";
            for (JsonNode fc : l.path("filterChains")) {
                JsonNode port = fc.path("filterChainMatch").path("destinationPort");
                String match = port.isMissingNode() ? "ALL" : "port " + port.asText();
                t.row(l.path("name").asText(), sa.path("address").asText(), sa.path("portValue").asInt(0), bind, match,
                        destination(fc));
            }
        }
        return t;
    }

    private static String destination(JsonNode filterChain) {
        List<String> out = new ArrayList<>();
        for (JsonNode f : filterChain.path("filters")) {
            JsonNode c = f.path("typedConfig");
            if (c.has("rds")) {
                out.add("Route: " + c.path("rds").path("routeConfigName").asText());
            } else if (c.has("routeConfig")) {
                JsonNode rc = c.path("routeConfig");
                List<String> clusters = new ArrayList<>();
                rc.path("virtualHosts").forEach(v -> v.path("routes").forEach(r -> clusters.add(action(r))));
                out.add("Inline Route: " + String.join(",", clusters));
            } else if (c.has("cluster")) {
                out.add("Cluster: " + c.path("cluster").asText());
            } else {
                out.add(f.path("name").asText());
            }
        }
        return String.join("; ", out);
    }

    static Table routes(List<JsonNode> routeConfigs) {
        Table t = new Table("NAME", "VHOST NAME", "DOMAINS", "MATCH", "ACTION");
        for (JsonNode rc : routeConfigs) {
            for (JsonNode vh : rc.path("virtualHosts")) {
                List<String> domains = new ArrayList<>();
                vh.path("domains").forEach(d -> domains.add(d.asText()));
                String shown = domains.isEmpty() ? "" : domains.get(0) + (domains.size() > 1 ? " +" + (domains.size() - 1) + " more" : "");
                for (JsonNode r : vh.path("routes")) {
                    t.row(rc.path("name").asText(), vh.path("name").asText(), shown, match(r.path("match")), action(r));
                }
            }
        }
        return t;
    }

    static String match(JsonNode m) {
        List<String> parts = new ArrayList<>();
        if (m.has("path")) {
            parts.add(m.path("path").asText());
        } else if (m.has("prefix")) {
            parts.add(m.path("prefix").asText() + "*");
        } else if (m.has("safeRegex")) {
            parts.add("regex " + m.path("safeRegex").path("regex").asText());
        } else {
            parts.add("/*");
        }
        for (JsonNode h : m.path("headers")) {
            JsonNode sm = h.path("stringMatch");
            String value = sm.has("exact") ? "=" + sm.path("exact").asText()
                    : sm.has("prefix") ? "^=" + sm.path("prefix").asText()
                    : sm.has("safeRegex") ? "~" + sm.path("safeRegex").path("regex").asText()
                    : h.has("presentMatch") ? " present" : "";
            parts.add(h.path("name").asText() + value);
        }
        return String.join(" ", parts);
    }

    static String action(JsonNode route) {
        JsonNode r = route.path("route");
        StringBuilder sb = new StringBuilder();
        if (r.has("cluster")) {
            sb.append(r.path("cluster").asText());
        } else if (r.has("weightedClusters")) {
            List<String> w = new ArrayList<>();
            r.path("weightedClusters").path("clusters").forEach(c -> w.add(c.path("name").asText() + " " + c.path("weight").asText() + "%"));
            sb.append(String.join(", ", w));
        } else if (route.has("directResponse")) {
            sb.append("direct ").append(route.path("directResponse").path("status").asText());
        } else if (route.has("redirect")) {
            sb.append("redirect");
        }
        if (r.has("timeout") && !r.path("timeout").asText().equals("0s")) {
            sb.append(" timeout ").append(r.path("timeout").asText());
        }
        JsonNode fault = route.path("typedPerFilterConfig").path("envoy.filters.http.fault");
        if (!fault.isMissingNode()) {
            if (fault.has("delay")) {
                sb.append(" fault: delay ").append(fault.path("delay").path("fixedDelay").asText());
            }
            if (fault.has("abort")) {
                sb.append(" fault: abort ").append(fault.path("abort").path("httpStatus").asText());
            }
        }
        return sb.toString();
    }

    static Table clusters(List<JsonNode> clusters) {
        Table t = new Table("SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE", "NAME");
        for (JsonNode c : clusters) {
            String name = c.path("name").asText();
            String[] p = name.split("\\|", -1);
            String type = c.path("type").asText("STATIC");
            if (p.length == 4) {
                t.row(p[3].isEmpty() ? "-" : p[3], p[1], p[2].isEmpty() ? "-" : p[2], p[0].toUpperCase(), type, name);
            } else {
                t.row(name, "-", "-", "-", type, name);
            }
        }
        return t;
    }

    /** From Envoy's /clusters text ({@code cluster::host:port::stat::value}), which shows live health and counters. */
    static Table endpoints(String clustersText) {
        Map<String, Map<String, String>> byEndpoint = new TreeMap<>();
        for (String line : clustersText.split("\n")) {
            String[] p = line.split("::");
            if (p.length == 4) {
                byEndpoint.computeIfAbsent(p[1] + "\t" + p[0], k -> new TreeMap<>()).put(p[2], p[3]);
            }
        }
        // As istioctl: STATUS is the endpoint's own health (EDS), OUTLIER CHECK whether outlier detection ejected it.
        Table t = new Table("ENDPOINT", "STATUS", "OUTLIER CHECK", "RQ TOTAL", "RQ ERROR", "CLUSTER");
        byEndpoint.forEach((key, stats) -> {
            String[] k = key.split("\t");
            String flags = stats.getOrDefault("health_flags", "healthy");
            t.row(k[0], flags.contains("/failed_eds_health") ? "UNHEALTHY" : "HEALTHY",
                    flags.contains("/failed_outlier_check") ? "FAILED" : "OK",
                    stats.getOrDefault("rq_total", "0"), stats.getOrDefault("rq_error", "0"), k[1]);
        });
        return t;
    }
}
