package io.qmesh.injector.inject;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonReader;
import jakarta.json.JsonStructure;
import java.io.StringReader;

/**
 * RFC 6902 JSON Patches between two documents, computed by JSON-P's {@code Json.createDiff}
 * (Eclipse Parsson) rather than by a hand-written differ.
 */
public final class JsonPatches {

    private JsonPatches() {
    }

    /** The patch that turns {@code before} into {@code after}; an empty array when they are equal. */
    public static JsonArray diff(JsonNode before, JsonNode after) {
        return Json.createDiff(toJsonP(before), toJsonP(after)).toJsonArray();
    }

    /** Applies {@code patch} to {@code document}; used by tests and the dry-run endpoint to prove the patch. */
    public static JsonNode apply(JsonNode document, JsonArray patch) {
        JsonStructure patched = Json.createPatch(patch).apply(toJsonP(document));
        try {
            return PodCodec.JSON.readTree(patched.toString());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("JSON-P produced unparsable JSON", e);
        }
    }

    static JsonStructure toJsonP(JsonNode node) {
        try (JsonReader reader = Json.createReader(new StringReader(node.toString()))) {
            return reader.read();
        }
    }
}
