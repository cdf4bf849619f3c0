package io.qmesh.deploy;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Parses a manifest into Fabric8's typed model and refuses anything the model does not know, as
 * {@code kubectl apply --validate=strict} does: Fabric8 keeps unknown fields in each object's
 * {@code additionalProperties} (its {@code @JsonAnyGetter}) instead of failing, so every such map
 * must be empty, and the object written back must equal the document (nothing silently dropped or
 * coerced).
 */
final class StrictModel {

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** Numbers compare by value: the model writes a schema's {@code minimum: 0} back as {@code 0.0}. */
    private static final Comparator<JsonNode> NUMERIC_VALUE = (a, b) -> a.isNumber() && b.isNumber()
            ? a.decimalValue().compareTo(b.decimalValue()) : a.equals(b) ? 0 : 1;

    private StrictModel() {
    }

    /** The typed object, or an AssertionError naming the document and every unknown field. */
    static KubernetesResource parse(Manifests.Document document) {
        KubernetesResource typed;
        try {
            typed = SERIALIZATION.unmarshal(Manifests.YAML.writeValueAsString(document.tree()), KubernetesResource.class);
        } catch (Exception e) {
            throw new AssertionError(document + ": not a Kubernetes object: " + e.getMessage(), e);
        }
        if (typed instanceof GenericKubernetesResource) {
            throw new AssertionError(document + ": " + document.apiVersion() + " " + document.kind()
                    + " is not a kind of Fabric8's typed model");
        }
        List<String> unknown = new ArrayList<>();
        collectUnknown(typed, "", unknown, 0);
        if (!unknown.isEmpty()) {
            throw new AssertionError(document + ": unknown fields " + unknown);
        }
        JsonNode back;
        try {
            back = Manifests.YAML.readTree(SERIALIZATION.asJson(typed));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (!document.tree().equals(NUMERIC_VALUE, back)) {
            throw new AssertionError(document + ": the typed model does not keep the document as written:\n  written: "
                    + document.tree() + "\n  typed:   " + back);
        }
        return typed;
    }

    private static void collectUnknown(Object value, String path, List<String> unknown, int depth) {
        if (value == null || depth > 64 || value instanceof String || value instanceof Number
                || value instanceof Boolean || value instanceof Enum<?>) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                collectUnknown(item, path + "[" + i++ + "]", unknown, depth + 1);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> collectUnknown(v, path + "[" + k + "]", unknown, depth + 1));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method method : value.getClass().getMethods()) {
            if (Modifier.isStatic(method.getModifiers()) || method.getParameterCount() != 0
                    || method.getDeclaringClass() == Object.class) {
                continue;
            }
            if (method.isAnnotationPresent(JsonAnyGetter.class)) {
                Object extra = invoke(method, value);
                if (extra instanceof Map<?, ?> map && !map.isEmpty()) {
                    map.keySet().forEach(k -> unknown.add(path.isEmpty() ? k.toString() : path + "." + k));
                }
                continue;
            }
            if (method.isAnnotationPresent(JsonIgnore.class) || !method.getName().startsWith("get")) {
                continue;
            }
            String name = Character.toLowerCase(method.getName().charAt(3)) + method.getName().substring(4);
            collectUnknown(invoke(method, value), path.isEmpty() ? name : path + "." + name, unknown, depth + 1);
        }
    }

    private static Object invoke(Method method, Object target) {
        try {
            return method.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            return null;
        }
    }
}
