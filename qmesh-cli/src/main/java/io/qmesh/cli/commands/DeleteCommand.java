package io.qmesh.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import io.qmesh.cli.CliException;
import io.qmesh.cli.client.PilotClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "delete", description = "Delete the Istio objects named in YAML files (-f), or one object: qmesh delete KIND NAME.")
public class DeleteCommand implements Callable<Integer> {
    @Mixin
    MeshOptions mesh;

    @Option(names = {"-f", "--filename"}, arity = "1..*", paramLabel = "FILE", description = "YAML file(s); - reads standard input")
    List<String> files = new ArrayList<>();

    @Parameters(arity = "0..2", paramLabel = "KIND NAME", description = "Instead of -f: a kind and a name")
    List<String> kindAndName = new ArrayList<>();

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Namespace of objects that name none")
    String namespace;

    private record Target(String kind, String namespace, String name) {
    }

    @Override
    public Integer call() {
        List<Target> targets = new ArrayList<>();
        if (!kindAndName.isEmpty()) {
            if (kindAndName.size() != 2 || !files.isEmpty()) {
                throw new CliException("expected: qmesh delete -f FILE... or qmesh delete KIND NAME");
            }
            targets.add(new Target(kindAndName.get(0), namespace, kindAndName.get(1)));
        } else if (files.isEmpty()) {
            throw new CliException("expected: qmesh delete -f FILE... or qmesh delete KIND NAME");
        }
        for (String f : files) {
            YamlDocs.Source s = YamlDocs.read(f);
            for (JsonNode doc : s.documents()) {
                String kind = doc.path("kind").asText("");
                String name = doc.path("metadata").path("name").asText("");
                if (kind.isEmpty() || name.isEmpty()) {
                    throw new CliException(s.name() + ": an object without kind or metadata.name");
                }
                targets.add(new Target(kind, doc.path("metadata").path("namespace").asText(namespace), name));
            }
        }
        PilotClient pilot = mesh.pilot();
        int missing = 0;
        for (Target t : targets) {
            String singular = Kinds.plural(t.kind()).replaceAll("(ies|s)$", "");
            String ref = Kinds.ref(t.kind(), t.name());
            if (pilot.delete(Kinds.plural(t.kind()), t.namespace(), t.name())) {
                System.out.println(ref + " deleted");
            } else {
                missing++;
                System.err.println("error: " + singular + " " + t.namespace() + "/" + t.name() + " not found");
            }
        }
        return missing == 0 ? 0 : 1;
    }
}
