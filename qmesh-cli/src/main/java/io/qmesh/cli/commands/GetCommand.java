package io.qmesh.cli.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.qmesh.cli.CliException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "get", description = "List Istio objects: virtualservices (vs), destinationrules (dr), gateways (gw), "
        + "ratelimitpolicies, fallbackpolicies.")
public class GetCommand implements Callable<Integer> {
    private static final YAMLMapper YAML = YAMLMapper.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    MeshOptions mesh;

    @Parameters(index = "0", paramLabel = "KIND")
    String kind;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME")
    String name;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"})
    boolean allNamespaces;

    @Option(names = {"-o", "--output"}, paramLabel = "yaml|json", description = "Print the objects instead of a table")
    String output;

    @Override
    public Integer call() throws JsonProcessingException {
        String plural = Kinds.plural(kind);
        if (output != null && !output.equals("yaml") && !output.equals("json")) {
            throw new CliException("-o " + output + " (expected: yaml or json)");
        }
        JsonNode list = mesh.pilot().list(plural, allNamespaces ? null : namespace);
        List<JsonNode> items = new ArrayList<>();
        list.path("items").forEach(i -> {
            if (name == null || name.equals(i.path("metadata").path("name").asText())) {
                items.add(i);
            }
        });
        if (name != null && items.isEmpty()) {
            throw new CliException(plural + " \"" + name + "\" not found in namespace " + namespace);
        }
        if ("json".equals(output)) {
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(name != null ? items.get(0) : list));
            return 0;
        }
        if ("yaml".equals(output)) {
            for (int i = 0; i < items.size(); i++) {
                ObjectNode item = ((ObjectNode) items.get(i)).deepCopy();
                System.out.print((i > 0 ? "---\n" : "") + YAML.writeValueAsString(item));
            }
            return 0;
        }
        if (items.isEmpty()) {
            System.out.println("No " + plural + " found in " + (allNamespaces ? "any namespace" : "namespace " + namespace) + ".");
            return 0;
        }
        Table t = switch (plural) {
            case "virtualservices" -> new Table("NAMESPACE", "NAME", "GATEWAYS", "HOSTS", "HTTP ROUTES");
            case "destinationrules" -> new Table("NAMESPACE", "NAME", "HOST", "SUBSETS");
            case "gateways" -> new Table("NAMESPACE", "NAME", "SELECTOR", "SERVERS");
            case "fallbackpolicies" -> new Table("NAMESPACE", "NAME", "TARGET", "FALLBACK", "CONDITIONS");
            default -> new Table("NAMESPACE", "NAME");
        };
        for (JsonNode i : items) {
            JsonNode spec = i.path("spec");
            String ns = i.path("metadata").path("namespace").asText();
            String n = i.path("metadata").path("name").asText();
            switch (plural) {
                case "virtualservices" -> t.row(ns, n, join(spec.path("gateways")), join(spec.path("hosts")), spec.path("http").size());
                case "destinationrules" -> {
                    List<String> subsets = new ArrayList<>();
                    spec.path("subsets").forEach(s -> subsets.add(s.path("name").asText()));
                    t.row(ns, n, spec.path("host").asText(), String.join(",", subsets));
                }
                case "gateways" -> {
                    List<String> servers = new ArrayList<>();
                    spec.path("servers").forEach(s -> servers.add(s.path("port").path("protocol").asText() + "/"
                            + s.path("port").path("number").asText() + " " + join(s.path("hosts"))));
                    List<String> selector = new ArrayList<>();
                    spec.path("selector").fields().forEachRemaining(e -> selector.add(e.getKey() + "=" + e.getValue().asText()));
                    t.row(ns, n, String.join(",", selector), String.join("; ", servers));
                }
                case "fallbackpolicies" -> t.row(ns, n, fallbackTarget(spec.path("targetRef")), fallback(spec.path("fallback")),
                        spec.path("conditions").isEmpty() ? "(default)" : join(spec.path("conditions")));
                default -> t.row(ns, n);
            }
        }
        t.print(System.out);
        return 0;
    }

    /** {@code reviews:9080}, or {@code reviews} for every port. */
    private static String fallbackTarget(JsonNode ref) {
        return ref.path("name").asText() + (ref.has("port") ? ":" + ref.path("port").asText() : "");
    }

    /** {@code reviews/v1} for a destination, {@code response 200} for a static response. */
    private static String fallback(JsonNode f) {
        JsonNode d = f.path("destination");
        if (d.isObject()) {
            return d.path("host").asText() + (d.has("subset") ? "/" + d.path("subset").asText() : "")
                    + (d.has("port") ? ":" + d.path("port").asText() : "");
        }
        return "response " + f.path("response").path("status").asText();
    }

    private static String join(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(a -> out.add(a.asText()));
        return out.isEmpty() ? "" : String.join(",", out);
    }
}
