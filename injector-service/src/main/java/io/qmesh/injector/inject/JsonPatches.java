package io.qmesh.injector.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import io.fabric8.zjsonpatch.JsonPatch;
import java.util.EnumSet;

/**
 * RFC 6902 JSON Patches between two documents, computed by Fabric8's zjsonpatch (maintained with
 * the Kubernetes client, already on the classpath) rather than by a hand-written differ. It works
 * on Jackson trees directly; JSON-P's {@code Json.createDiff} gave the same patches ten times
 * slower, mostly converting between the two tree models (see bench/injector-bench.sh).
 */
public final class JsonPatches {

    /** Only add/remove/replace, and no non-standard "value" on remove: the plainest patch to read. */
    private static final EnumSet<DiffFlags> FLAGS =
            EnumSet.of(DiffFlags.OMIT_VALUE_ON_REMOVE, DiffFlags.OMIT_MOVE_OPERATION, DiffFlags.OMIT_COPY_OPERATION);

    private JsonPatches() {
    }

    /** The patch that turns {@code before} into {@code after}; an empty array when they are equal. */
    public static ArrayNode diff(JsonNode before, JsonNode after) {
        return (ArrayNode) JsonDiff.asJson(before, after, FLAGS);
    }

    /** Applies {@code patch} to a copy of {@code document}; used by tests to prove the patch. */
    public static JsonNode apply(JsonNode document, JsonNode patch) {
        return JsonPatch.apply(patch, document);
    }
}
