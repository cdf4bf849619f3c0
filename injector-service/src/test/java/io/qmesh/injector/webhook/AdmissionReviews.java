package io.qmesh.injector.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmesh.injector.inject.PodCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Builds AdmissionReview requests the way the API server sends them, for tests and the benchmark. */
final class AdmissionReviews {

    private AdmissionReviews() {
    }

    static JsonNode pod(String goldenCase) {
        try {
            return PodCodec.YAML.readTree(Path.of("src/test/resources/inject", goldenCase + ".yaml").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode review(String uid, JsonNode pod) {
        ObjectNode review = PodCodec.JSON.createObjectNode();
        review.put("apiVersion", "admission.k8s.io/v1");
        review.put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request");
        request.put("uid", uid);
        ObjectNode kind = request.putObject("kind");
        kind.put("group", "");
        kind.put("version", "v1");
        kind.put("kind", "Pod");
        ObjectNode resource = request.putObject("resource");
        resource.put("group", "");
        resource.put("version", "v1");
        resource.put("resource", "pods");
        request.put("namespace", pod.path("metadata").path("namespace").asText("default"));
        request.put("operation", "CREATE");
        request.set("object", pod);
        return review;
    }
}
