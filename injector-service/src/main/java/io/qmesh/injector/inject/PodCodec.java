package io.qmesh.injector.inject;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NumericNode;
import com.fasterxml.jackson.databind.node.ValueNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.UncheckedIOException;

/**
 * JSON and YAML (de)serialization of pods and fragments with deterministic output: map keys are
 * sorted, so golden files and patches do not depend on hash order. Trees are canonical: an
 * integer is an {@code IntNode} whenever it fits, whether it was parsed from text or converted from
 * a {@code Long} field of the model (Fabric8's {@code runAsUser}, {@code periodSeconds}...), so a
 * parsed pod and a converted pod compare equal and a diff never "replaces" {@code 1000} by {@code 1000}.
 */
public final class PodCodec {

    public static final ObjectMapper JSON = configure(new ObjectMapper());
    public static final ObjectMapper YAML = configure(new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)));

    private PodCodec() {
    }

    private static ObjectMapper configure(ObjectMapper mapper) {
        return mapper
                .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .setSerializationInclusion(JsonInclude.Include.NON_NULL)
                .setNodeFactory(CanonicalNumbers.INSTANCE);
    }

    /** Narrows integral values to {@code IntNode} when they fit: one tree shape per JSON value. */
    private static final class CanonicalNumbers extends JsonNodeFactory {

        static final CanonicalNumbers INSTANCE = new CanonicalNumbers();

        private CanonicalNumbers() {
            super(false);
        }

        @Override
        public NumericNode numberNode(short v) {
            return IntNode.valueOf(v);
        }

        @Override
        public NumericNode numberNode(byte v) {
            return IntNode.valueOf(v);
        }

        @Override
        public NumericNode numberNode(long v) {
            return v == (int) v ? IntNode.valueOf((int) v) : LongNode.valueOf(v);
        }

        @Override
        public ValueNode numberNode(Short value) {
            return value == null ? nullNode() : numberNode(value.shortValue());
        }

        @Override
        public ValueNode numberNode(Byte value) {
            return value == null ? nullNode() : numberNode(value.byteValue());
        }

        @Override
        public ValueNode numberNode(Long value) {
            return value == null ? nullNode() : numberNode(value.longValue());
        }
    }

    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String toYaml(Object value) {
        try {
            return YAML.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode toTree(Object value) {
        return JSON.valueToTree(value);
    }

    public static Pod copy(Pod pod) {
        return JSON.convertValue(JSON.valueToTree(pod), Pod.class);
    }
}
