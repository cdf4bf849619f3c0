package io.qmesh.cli.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmesh.cli.CliException;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/** A proxy's admin endpoint (15000): {@code /config_dump}, {@code /clusters}, {@code /stats}. */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final String base;

    public AdminClient(String name, String adminUrl) {
        this.name = name;
        this.base = adminUrl;
    }

    public JsonNode configDump() {
        try {
            return JSON.readTree(get("/config_dump"));
        } catch (JsonProcessingException e) {
            throw new CliException(name + ": /config_dump is not JSON: " + e.getOriginalMessage());
        }
    }

    /** Envoy's {@code /clusters} text: {@code cluster::host:port::stat::value} lines. */
    public String clusters() {
        return get("/clusters");
    }

    /** {@code /stats} as name -> value. */
    public Map<String, Long> stats() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : get("/stats").split("\n")) {
            int colon = line.lastIndexOf(": ");
            if (colon > 0) {
                try {
                    out.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 2).trim()));
                } catch (NumberFormatException e) {
                    // gauges with non-integer values are not used here
                }
            }
        }
        return out;
    }

    private String get(String path) {
        HttpResponse<String> r = HttpCalls.send(HttpCalls.get(URI.create(base + path)),
                "proxy " + name + " is not answering at " + base + " (is it running? see: qmesh status)");
        if (r.statusCode() != 200) {
            throw new CliException("proxy " + name + " answered " + r.statusCode() + " to " + path);
        }
        return r.body();
    }
}
