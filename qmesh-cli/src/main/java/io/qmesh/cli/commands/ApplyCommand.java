package io.qmesh.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import io.qmesh.cli.client.PilotClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "apply", description = "Create or update Istio objects from YAML files (many documents each, as kubectl). "
        + "Each file is all or nothing: a rejected object prints pilot's field errors and nothing of that file is applied.")
public class ApplyCommand implements Callable<Integer> {
    @Mixin
    MeshOptions mesh;

    @Option(names = {"-f", "--filename"}, required = true, arity = "1..*", paramLabel = "FILE",
            description = "YAML file(s); - reads standard input")
    List<String> files;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Namespace of objects that name none")
    String namespace;

    @Override
    public Integer call() {
        List<YamlDocs.Source> sources = new ArrayList<>();
        for (String f : files) {
            sources.add(YamlDocs.read(f)); // every file parses before anything is sent
        }
        PilotClient pilot = mesh.pilot();
        int failed = 0;
        for (YamlDocs.Source s : sources) {
            JsonNode result = pilot.apply(s.text(), namespace);
            boolean ok = result.path("ok").asBoolean();
            for (JsonNode r : result.path("results")) {
                String ref = Kinds.ref(r.path("kind").asText(), r.path("name").asText());
                for (JsonNode w : r.path("warnings")) {
                    System.err.println("Warning: " + ref + ": " + w.asText());
                }
                if (r.path("errors").isEmpty()) {
                    if (ok) {
                        System.out.println(ref + " " + r.path("result").asText());
                    }
                } else {
                    for (JsonNode e : r.path("errors")) {
                        System.err.println("error: " + s.name() + ": " + ref + ": " + e.asText());
                    }
                }
            }
            if (!ok) {
                failed++;
                System.err.println("error: " + s.name() + ": rejected, nothing in it was applied");
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
