package io.qmesh.injector.kubeinject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.qmesh.injector.inject.InjectionException;
import io.qmesh.injector.inject.InjectionRequest;
import io.qmesh.injector.inject.Injector;
import io.qmesh.injector.inject.PodCodec;
import io.qmesh.injector.inject.Workload;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Manual injection, like {@code istioctl kube-inject}: reads multi-document YAML, injects every
 * Pod and every pod template of a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob
 * (also inside a {@code kind: List}) with the same {@link Injector} the webhook uses, and passes
 * every other document through unchanged. Offline: no API server is involved.
 */
public final class KubeInjector {

    /** Where each workload kind keeps its pod template. */
    private static final Map<String, List<String>> TEMPLATE_PATHS = Map.of(
            "Deployment", List.of("spec", "template"),
            "StatefulSet", List.of("spec", "template"),
            "DaemonSet", List.of("spec", "template"),
            "ReplicaSet", List.of("spec", "template"),
            "Job", List.of("spec", "template"),
            "CronJob", List.of("spec", "jobTemplate", "spec", "template"));

    private final Injector injector;

    public KubeInjector(Injector injector) {
        this.injector = injector;
    }

    /**
     * @throws IllegalArgumentException when the YAML does not parse or a document cannot be
     *     injected; the message names the document (1-based index, kind and name)
     */
    public String inject(String yaml) {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> iterator = PodCodec.YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (iterator.hasNextValue()) {
                documents.add(iterator.nextValue());
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("input is not valid YAML: " + firstLine(e.getMessage()), e);
        }
        StringBuilder out = new StringBuilder();
        int index = 0;
        for (JsonNode document : documents) {
            index++;
            if (document == null || document.isNull() || document.isMissingNode()) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append("---\n");
            }
            out.append(PodCodec.toYaml(injectDocument(document, "document " + index)));
        }
        return out.toString();
    }

    private JsonNode injectDocument(JsonNode document, String where) {
        if (!document.isObject()) {
            throw new IllegalArgumentException(where + ": expected a Kubernetes object, got " + document.getNodeType());
        }
        ObjectNode object = ((ObjectNode) document).deepCopy();
        String kind = object.path("kind").asText();
        String name = object.path("metadata").path("name").asText("");
        String label = where + " (" + kind + " " + name + ")";
        try {
            if (kind.equals("List") && object.path("items").isArray()) {
                ArrayNode items = (ArrayNode) object.get("items");
                for (int i = 0; i < items.size(); i++) {
                    items.set(i, injectDocument(items.get(i), where + " items[" + i + "]"));
                }
                return object;
            }
            String namespace = object.path("metadata").path("namespace").asText("default");
            if (kind.equals("Pod")) {
                Pod pod = PodCodec.JSON.treeToValue(object, Pod.class);
                return PodCodec.toTree(injector.inject(InjectionRequest.of(pod, namespace)).pod());
            }
            List<String> path = TEMPLATE_PATHS.get(kind);
            if (path == null) {
                return object; // Services, ConfigMaps, ...: nothing to inject
            }
            JsonNode template = object.at("/" + String.join("/", path));
            if (!template.isObject()) {
                throw new IllegalArgumentException(String.join(".", path) + ": missing (expected: a pod template)");
            }
            injectTemplate((ObjectNode) template, namespace,
                    new Workload(object.path("apiVersion").asText(), kind, name));
            return object;
        } catch (InjectionException | IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(label + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** Injects the template as a pod owned by {@code workload} and writes metadata and spec back. */
    private void injectTemplate(ObjectNode template, String namespace, Workload workload) throws IOException {
        ObjectNode podJson = PodCodec.JSON.createObjectNode();
        podJson.put("apiVersion", "v1");
        podJson.put("kind", "Pod");
        podJson.set("metadata", template.path("metadata").isObject() ? template.get("metadata") : PodCodec.JSON.createObjectNode());
        podJson.set("spec", template.get("spec"));
        Pod pod = PodCodec.JSON.treeToValue(podJson, Pod.class);
        JsonNode injected = PodCodec.toTree(injector.inject(new InjectionRequest(pod, namespace, workload)).pod());
        template.set("metadata", injected.get("metadata"));
        template.set("spec", injected.get("spec"));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
