package io.qmesh.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.qmesh.cli.CliException;
import io.qmesh.cli.client.AdminClient;
import io.qmesh.cli.mesh.RunState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "proxy-config", description = "A proxy's configuration as it holds it (from its admin /config_dump "
        + "and /clusters), like istioctl proxy-config. PROXY: a pod name (productpage-v1), pod.namespace, or istio-ingressgateway.")
public class ProxyConfigCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String[]> SECTIONS = Map.of(
            "listeners", new String[]{"ListenersConfigDump", "dynamic_listeners", "active_state"},
            "routes", new String[]{"RoutesConfigDump", "dynamic_route_configs", "route_config"},
            "clusters", new String[]{"ClustersConfigDump", "dynamic_active_clusters", "cluster"},
            "endpoints", new String[]{"EndpointsConfigDump", "dynamic_endpoint_configs", "endpoint_config"});

    @Mixin
    MeshOptions mesh;

    @Parameters(index = "0", paramLabel = "listeners|routes|clusters|endpoints")
    String type;

    @Parameters(index = "1", paramLabel = "PROXY")
    String proxy;

    @Option(names = {"-o", "--output"}, paramLabel = "json", description = "Print the resources as JSON instead of a table")
    String output;

    @Override
    public Integer call() throws Exception {
        String[] section = SECTIONS.get(type);
        if (section == null) {
            throw new CliException("unknown config type \"" + type + "\" (expected: listeners, routes, clusters or endpoints)");
        }
        if (output != null && !output.equals("json")) {
            throw new CliException("-o " + output + " (expected: json)");
        }
        RunState state = mesh.state().orElseThrow(() -> new CliException("qmesh is not running (start it with: qmesh up)",
                CliException.UNAVAILABLE));
        RunState.Entry entry = state.proxy(proxy).orElseThrow(() -> new CliException("no proxy \"" + proxy + "\" (proxies: "
                + String.join(", ", state.processes().stream().filter(e -> !e.proxyId().isEmpty()).map(RunState.Entry::proxyId).toList())
                + ")"));
        AdminClient admin = new AdminClient(entry.proxyId(), entry.adminUrl());
        List<JsonNode> resources = resources(admin.configDump(), section);
        if ("json".equals(output)) {
            ArrayNode array = JSON.createArrayNode();
            resources.forEach(array::add);
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(array));
            return 0;
        }
        Table t = switch (type) {
            case "listeners" -> ConfigTables.listeners(resources);
            case "routes" -> ConfigTables.routes(resources);
            case "clusters" -> ConfigTables.clusters(resources);
            default -> ConfigTables.endpoints(admin.clusters());
        };
        t.print(System.out);
        return 0;
    }

    /** The resources of one config_dump section, e.g. every {@code dynamic_listeners[].active_state.listener}. */
    static List<JsonNode> resources(JsonNode dump, String[] section) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode config : dump.path("configs")) {
            if (!config.path("@type").asText().endsWith(section[0])) {
                continue;
            }
            for (JsonNode item : config.path(section[1])) {
                out.add(item.path(section[2]));
            }
        }
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        out.forEach(r -> byName.put(r.path("name").asText(r.path("clusterName").asText()), r));
        return new ArrayList<>(new java.util.TreeMap<>(byName).values());
    }
}
