package io.qmesh.pilot.rules;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.qmesh.pilot.model.istio.ConfigKind;
import io.qmesh.pilot.model.istio.ConfigMeta;
import io.qmesh.pilot.model.istio.DestinationRule;
import io.qmesh.pilot.model.istio.FallbackPolicy;
import io.qmesh.pilot.model.istio.Gateway;
import io.qmesh.pilot.model.istio.IstioConfig;
import io.qmesh.pilot.model.istio.Sidecar;
import io.qmesh.pilot.model.istio.VirtualService;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads Kubernetes-style documents (YAML, multi-document YAML, JSON, or a JSON {@code List}) into
 * {@link IstioConfig} records and writes them back. Unknown fields are errors with their path, as
 * {@code kubectl} with server-side validation reports them: a typo must not silently drop a rule.
 */
public final class RuleCodec {
    /** YAML is a superset of JSON, so one YAML mapper reads both bodies. */
    private static final ObjectMapper READER = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_EMPTY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    private static final ObjectMapper YAML_WRITER = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .setSerializationInclusion(JsonInclude.Include.NON_EMPTY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private RuleCodec() {
    }

    /** Splits a body into its documents; a syntax error fails the whole body. */
    public static List<JsonNode> documents(String body) {
        List<JsonNode> out = new ArrayList<>();
        try (MappingIterator<JsonNode> it = READER.readerFor(JsonNode.class).readValues(body)) {
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc == null || doc.isNull() || doc.isMissingNode() || (doc.isObject() && doc.isEmpty())) {
                    continue;
                }
                if (doc.isObject() && "List".equals(doc.path("kind").asText()) && doc.path("items").isArray()) {
                    doc.path("items").forEach(out::add);
                } else {
                    out.add(doc);
                }
            }
        } catch (IOException e) {
            String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new RuleException(400, "BadRequest", "body is not valid YAML or JSON: " + firstLine(msg), List.of());
        }
        return out;
    }

    /**
     * Reads one document. {@code defaultNamespace} fills a missing {@code metadata.namespace};
     * a namespace that disagrees with the URL is the caller's check.
     */
    public static ParsedDocument read(int index, JsonNode doc, String defaultNamespace) {
        List<FieldError> errors = new ArrayList<>();
        if (!doc.isObject()) {
            errors.add(new FieldError("", "a " + doc.getNodeType().toString().toLowerCase() + " (expected: an object with apiVersion, kind, metadata, spec)"));
            return new ParsedDocument(index, "", defaultNamespace, "", null, errors);
        }
        String kindText = doc.path("kind").asText("");
        String apiVersion = doc.path("apiVersion").asText("");
        JsonNode meta = doc.path("metadata");
        String name = meta.path("name").asText("");
        String namespace = meta.path("namespace").asText("");
        if (namespace.isEmpty()) {
            namespace = defaultNamespace;
        }
        ConfigKind kind = ConfigKind.byKind(kindText).orElse(null);
        if (kindText.isEmpty()) {
            errors.add(new FieldError("kind", "missing (expected: one of " + kindNames() + ")"));
        } else if (kind == null) {
            errors.add(new FieldError("kind", quote(kindText) + " (expected: one of " + kindNames() + ")"));
        }
        if (apiVersion.isEmpty()) {
            errors.add(new FieldError("apiVersion", "missing (expected: "
                    + (kind == null ? "networking.istio.io/v1" : versionsOf(kind)) + ")"));
        } else if (kind != null && !kind.accepts(apiVersion)) {
            errors.add(new FieldError("apiVersion", quote(apiVersion) + " (expected: " + versionsOf(kind) + ")"));
        }
        for (Iterator<String> it = doc.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!List.of("apiVersion", "kind", "metadata", "spec", "status").contains(field)) {
                errors.add(new FieldError(field, "unknown field (expected: apiVersion, kind, metadata, spec)"));
            }
        }
        if (!meta.isObject()) {
            errors.add(new FieldError("metadata", "missing (expected: an object with name)"));
        }
        if (!doc.path("spec").isObject()) {
            errors.add(new FieldError("spec", doc.has("spec") ? "not an object (expected: an object)" : "missing (expected: an object)"));
        }
        if (!errors.isEmpty() || kind == null) {
            return new ParsedDocument(index, kindText, namespace, name, null, errors);
        }
        ConfigMeta metadata = new ConfigMeta(name, namespace, stringMap(meta.path("labels")),
                stringMap(meta.path("annotations")), null, meta.path("creationTimestamp").asText(null));
        try {
            IstioConfig config = switch (kind) {
                case VIRTUAL_SERVICE -> new VirtualService(metadata, READER.treeToValue(doc.get("spec"), VirtualService.Spec.class));
                case DESTINATION_RULE -> new DestinationRule(metadata, READER.treeToValue(doc.get("spec"), DestinationRule.Spec.class));
                case GATEWAY -> new Gateway(metadata, READER.treeToValue(doc.get("spec"), Gateway.Spec.class));
                case SIDECAR -> new Sidecar(metadata, READER.treeToValue(doc.get("spec"), Sidecar.Spec.class));
                case FALLBACK_POLICY -> new FallbackPolicy(metadata, READER.treeToValue(doc.get("spec"), FallbackPolicy.Spec.class));
            };
            return new ParsedDocument(index, kindText, namespace, name, config, List.of());
        } catch (JsonMappingException e) {
            errors.add(bindingError(e));
        } catch (JsonProcessingException e) {
            errors.add(new FieldError("spec", firstLine(e.getOriginalMessage())));
        }
        return new ParsedDocument(index, kindText, namespace, name, null, errors);
    }

    /** A Kubernetes-shaped JSON tree of a config, without null or empty fields. */
    public static ObjectNode toTree(IstioConfig config) {
        ObjectNode node = JSON.createObjectNode();
        node.put("apiVersion", config.kind().apiVersion());
        node.put("kind", config.kind().kind());
        node.set("metadata", JSON.valueToTree(config.metadata()));
        node.set("spec", JSON.valueToTree(config.spec()));
        return node;
    }

    public static String toJson(Object value) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String toYaml(Object value) {
        try {
            return YAML_WRITER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ObjectMapper json() {
        return JSON;
    }

    private static FieldError bindingError(JsonMappingException e) {
        String path = "spec" + jsonPath(e.getPath());
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : u.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            return new FieldError(path, "unknown field (expected one of: " + known + ")");
        }
        if (e instanceof InvalidFormatException f) {
            return new FieldError(path, quote(String.valueOf(f.getValue())) + " (expected: " + typeName(f.getTargetType()) + ")");
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return new FieldError(path, "wrong type (expected: " + typeName(m.getTargetType()) + ")");
        }
        return new FieldError(path, firstLine(e.getOriginalMessage()));
    }

    static String jsonPath(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                sb.append('.').append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String typeName(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "an object";
    }

    private static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }

    private static String kindNames() {
        return java.util.Arrays.stream(ConfigKind.values()).map(ConfigKind::kind).collect(Collectors.joining(", "));
    }

    private static String versionsOf(ConfigKind kind) {
        return kind.versions().stream().map(v -> kind.group() + "/" + v).collect(Collectors.joining(", "));
    }

    static String quote(String s) {
        return "\"" + s + "\"";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
