package io.qmesh.injector.kubeinject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.qmesh.injector.config.MeshConfig;
import io.qmesh.injector.inject.InjectionRequest;
import io.qmesh.injector.inject.Injector;
import io.qmesh.injector.inject.PodCodec;
import io.qmesh.injector.inject.SidecarTemplate;
import io.qmesh.injector.inject.Workload;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kube-inject golden files: {@code kubeinject/<case>.yaml} -> {@code <case>.yaml.injected}
 * ({@code -Dinject.refresh-golden=true} rewrites them).
 */
class KubeInjectorTest {

    static final Path DIR = Path.of("src/test/resources/kubeinject");
    final Injector injector = new Injector(MeshConfig.defaults(), SidecarTemplate.builtIn());
    final KubeInjector kubeInjector = new KubeInjector(injector);

    @ParameterizedTest
    @ValueSource(strings = {"workloads", "list-and-opt-out"})
    void injectsLikeTheGoldenAndIsIdempotent(String name) throws IOException {
        String output = kubeInjector.inject(Files.readString(DIR.resolve(name + ".yaml")));
        Path golden = DIR.resolve(name + ".yaml.injected");
        if (Boolean.getBoolean("inject.refresh-golden")) {
            Files.writeString(golden, output);
        }
        assertEquals(Files.readString(golden), output);
        assertEquals(output, kubeInjector.inject(output), "kube-inject of injected YAML changes nothing");
    }

    @Test
    void workloadTemplateGetsTheSameSidecarAsTheWebhookGivesItsPods() throws IOException {
        List<JsonNode> documents = PodCodec.YAML.readerFor(JsonNode.class)
                .<JsonNode>readValues(Files.readString(DIR.resolve("workloads.yaml.injected"))).readAll();
        JsonNode deployment = documents.get(1);
        assertEquals("Deployment", deployment.get("kind").asText());
        JsonNode injectedTemplate = deployment.at("/spec/template");

        List<JsonNode> inputs = PodCodec.YAML.readerFor(JsonNode.class)
                .<JsonNode>readValues(Files.readString(DIR.resolve("workloads.yaml"))).readAll();
        JsonNode template = inputs.get(1).at("/spec/template");
        Pod pod = PodCodec.JSON.treeToValue(PodCodec.JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod")
                .setAll(java.util.Map.of("metadata", template.get("metadata"), "spec", template.get("spec"))), Pod.class);
        JsonNode viaInjector = PodCodec.toTree(injector.inject(new InjectionRequest(pod, "bookinfo",
                new Workload("apps/v1", "Deployment", "reviews-v1"))).pod());
        // PodCodec trees are canonical (an int is an IntNode however it was read), so trees compare directly.
        assertEquals(viaInjector.get("spec"), injectedTemplate.get("spec"));
        assertEquals(viaInjector.get("metadata"), injectedTemplate.get("metadata"));
        assertTrue(injectedTemplate.toString().contains("kubernetes://apis/apps/v1/namespaces/bookinfo/deployments/reviews-v1"));
    }

    @Test
    void invalidDocumentIsNamed() {
        String yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: apps/v1\nkind: Deployment\n"
                + "metadata:\n  name: broken\nspec:\n  template:\n    metadata:\n      annotations:\n"
                + "        sidecar.istio.io/proxyCPU: lots\n    spec:\n      containers:\n      - name: c\n        image: i\n";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kubeInjector.inject(yaml));
        assertEquals("document 2 (Deployment broken): metadata.annotations[sidecar.istio.io/proxyCPU]: lots "
                + "(expected: a Kubernetes quantity like 100m, 2, 128Mi or 1Gi)", e.getMessage());
    }

    @Test
    void missingTemplateAndBadYamlAreReported() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> kubeInjector.inject("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec: {}\n"));
        assertEquals("document 1 (Deployment x): spec.template: missing (expected: a pod template)", missing.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> kubeInjector.inject("a: [1, 2\n"));
        assertTrue(bad.getMessage().startsWith("input is not valid YAML: "), bad.getMessage());
    }

    @Test
    void commandLineInjectsAFile() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = KubeInjectMain.run(List.of("kube-inject", "-f", DIR.resolve("workloads.yaml").toString(),
                "--proxy-image", "registry.example.com/proxy:1"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        String yaml = out.toString(StandardCharsets.UTF_8);
        assertEquals(14, yaml.split("image: registry.example.com/proxy:1").length - 1,
                "each of the 7 injectable documents gets istio-init and istio-proxy with the given image");
    }

    @Test
    void commandLineUsageErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = KubeInjectMain.run(List.of("kube-inject"), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        assertEquals("kube-inject: -f: missing (expected: a YAML file, or - for standard input)",
                err.toString(StandardCharsets.UTF_8).strip());
    }
}
