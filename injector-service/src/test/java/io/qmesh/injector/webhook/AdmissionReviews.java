package io.qmesh.injector.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmesh.injector.inject.PodCodec;
import io.qmesh.injector.testing.GeneratedCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Base64;

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

    /**
     * Sends {@code pod} in an AdmissionReview to {@code base}/inject over HTTPS, trusting only
     * {@code caBundle}, and returns the decoded JSON Patch of the (HTTP 200) answer.
     */
    static JsonNode patchOverHttps(URI base, String caBundle, String uid, JsonNode pod) throws Exception {
        HttpClient client = GeneratedCertificates.clientTrusting(Path.of(caBundle), HttpClient.Version.HTTP_1_1);
        HttpResponse<String> http = client.send(HttpRequest.newBuilder(base.resolve("/inject"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(review(uid, pod).toString()))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (http.statusCode() != 200) {
            throw new AssertionError("HTTP " + http.statusCode() + ": " + http.body());
        }
        JsonNode response = PodCodec.JSON.readTree(http.body()).get("response");
        return PodCodec.JSON.readTree(Base64.getDecoder().decode(response.get("patch").asText()));
    }

    static JsonNode golden(String goldenCase) throws IOException {
        return PodCodec.YAML.readTree(Path.of("src/test/resources/inject", goldenCase + ".yaml.injected").toFile());
    }
}
