package io.qmesh.injector.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.qmesh.injector.config.LabelSelectorExpression;
import io.qmesh.injector.config.MeshConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden-file tests of {@link Injector}: {@code inject/<case>.yaml} (a pod, optionally with
 * {@code <case>.mesh.yaml} mesh overrides) must inject to {@code <case>.yaml.injected}.
 * Run with {@code -Dinject.refresh-golden=true} to rewrite the goldens, then review the diff.
 */
class GoldenInjectionTest {

    static final Path DIR = Path.of("src/test/resources/inject");
    static final boolean REFRESH = Boolean.getBoolean("inject.refresh-golden");

    /** Optional per-case mesh overrides. */
    record MeshOverrides(Boolean nativeSidecars, String interceptionMode, String policy,
            List<String> neverInjectSelectors, List<String> alwaysInjectSelectors, String template) {
    }

    static Stream<String> cases() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.endsWith(".mesh.yaml"))
                    .map(n -> n.substring(0, n.length() - ".yaml".length()))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void injectsLikeTheGolden(String name) throws IOException {
        JsonNode input = PodCodec.YAML.readTree(DIR.resolve(name + ".yaml").toFile());
        Pod pod = PodCodec.JSON.convertValue(input, Pod.class);
        Injector injector = injectorFor(name);

        InjectionResult result = injector.inject(InjectionRequest.of(pod, null));
        String actual = PodCodec.toYaml(result.pod());
        Path golden = DIR.resolve(name + ".yaml.injected");
        if (REFRESH) {
            Files.writeString(golden, actual);
        }
        assertTrue(Files.exists(golden), "missing golden " + golden + "; run with -Dinject.refresh-golden=true");
        assertEquals(Files.readString(golden), actual, "injected pod differs from " + golden);

        // Deterministic: a second run yields the same bytes.
        assertEquals(actual, PodCodec.toYaml(injector.inject(InjectionRequest.of(pod, null)).pod()));

        // The JSON Patch the webhook sends, applied to the input, produces the golden.
        ArrayNode patch = JsonPatches.diff(input, PodCodec.toTree(result.pod()));
        // Injection only adds: a replace or remove would mean decoding and re-encoding the pod
        // changed something it already had (an int read back as a long, a dropped field).
        for (JsonNode op : patch) {
            assertEquals("add", op.get("op").asText(), () -> "unexpected operation " + op + " in " + patch);
        }
        JsonNode patched = JsonPatches.apply(input, patch);
        JsonNode expected = PodCodec.YAML.readTree(golden.toFile());
        assertEquals(expected, patched, () -> "patched input differs from the golden: " + JsonPatches.diff(expected, patched));

        // Idempotent: injecting the injected pod changes nothing.
        InjectionResult again = injector.inject(InjectionRequest.of(result.pod(), null));
        assertFalse(again.injected(), "re-injection must be skipped: " + again.reason());
        assertEquals(0, JsonPatches.diff(PodCodec.toTree(result.pod()), PodCodec.toTree(again.pod())).size());
    }

    static Injector injectorFor(String name) throws IOException {
        MeshConfig mesh = MeshConfig.defaults();
        SidecarTemplate template = SidecarTemplate.builtIn();
        Path overridesFile = DIR.resolve(name + ".mesh.yaml");
        if (Files.exists(overridesFile)) {
            MeshOverrides o = PodCodec.YAML.readValue(overridesFile.toFile(), MeshOverrides.class);
            if (o.nativeSidecars() != null) {
                mesh = mesh.withNativeSidecars(o.nativeSidecars());
            }
            if (o.interceptionMode() != null) {
                mesh = mesh.withInterceptionMode(o.interceptionMode());
            }
            mesh = mesh.withPolicy(
                    o.policy() == null ? mesh.policy() : MeshConfig.Policy.valueOf(o.policy()),
                    selectors(o.neverInjectSelectors()), selectors(o.alwaysInjectSelectors()));
            if (o.template() != null) {
                template = SidecarTemplate.fromFile(DIR.resolve(o.template()));
            }
        }
        return new Injector(mesh, template);
    }

    private static List<LabelSelectorExpression> selectors(List<String> texts) {
        return texts == null ? List.of()
                : texts.stream().map(t -> LabelSelectorExpression.parse("test", t)).toList();
    }
}
