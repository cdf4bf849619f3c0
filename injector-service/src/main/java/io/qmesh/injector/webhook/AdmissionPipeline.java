package io.qmesh.injector.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.qmesh.injector.inject.InjectionException;
import io.qmesh.injector.inject.InjectionRequest;
import io.qmesh.injector.inject.InjectionResult;
import io.qmesh.injector.inject.Injector;
import io.qmesh.injector.inject.JsonPatches;
import io.qmesh.injector.inject.PodCodec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.jboss.logging.Logger;

/**
 * The six steps of an admission request, each logged at debug level with the request uid:
 * (1) decode the AdmissionReview, (2) decode the pod, (3) inject (policy, template, merge),
 * (4) compute the JSON Patch, (5) build the AdmissionResponse, (6) wrap it in an AdmissionReview.
 * Only this class knows the AdmissionReview wire format; {@link Injector} knows only pods.
 */
public final class AdmissionPipeline {

    static final String API_VERSION = "admission.k8s.io/v1";
    private static final Logger LOG = Logger.getLogger(AdmissionPipeline.class);

    private final Injector injector;

    public AdmissionPipeline(Injector injector) {
        this.injector = injector;
    }

    /**
     * Runs the six steps. Problems with a request that has a uid become {@code allowed: false}
     * responses; problems before the uid is known throw {@link BadAdmissionRequest} with no uid.
     */
    public AdmissionTrace run(byte[] body) {
        // Step 1: decode the AdmissionReview.
        JsonNode request = decodeReview(body);
        String uid = request.get("uid").asText();
        LOG.debugf("[%s] step 1/6 decoded AdmissionReview: operation=%s kind=%s namespace=%s", uid,
                request.path("operation").asText(), request.path("kind").path("kind").asText(),
                request.path("namespace").asText());
        try {
            // Step 2: decode the pod.
            String namespace = request.path("namespace").asText("");
            ObjectNode podJson = decodePod(uid, request);
            Pod pod = toPod(uid, podJson);
            LOG.debugf("[%s] step 2/6 decoded pod %s/%s", uid, namespace, podName(podJson));

            // Step 3: inject (policy re-check, template, merge).
            InjectionResult result = injector.inject(InjectionRequest.of(pod, namespace));
            LOG.debugf("[%s] step 3/6 %s: %s", uid, result.injected() ? "injected" : "skipped", result.reason());

            // Step 4: the JSON Patch from the pod as received to the injected pod.
            ArrayNode patch = result.injected()
                    ? JsonPatches.diff(podJson, PodCodec.toTree(result.pod()))
                    : PodCodec.JSON.createArrayNode();
            LOG.debugf("[%s] step 4/6 computed JSON Patch with %d operations", uid, patch.size());

            // Step 5: the AdmissionResponse.
            AdmissionResponseBuilder response = new AdmissionResponseBuilder().withUid(uid).withAllowed(true);
            if (!patch.isEmpty()) {
                response.withPatchType("JSONPatch")
                        .withPatch(Base64.getEncoder().encodeToString(PodCodec.toJson(patch).getBytes(StandardCharsets.UTF_8)));
            }
            LOG.debugf("[%s] step 5/6 built AdmissionResponse allowed=true patch=%s", uid, !patch.isEmpty());

            // Step 6: wrap it in the AdmissionReview returned to the API server.
            AdmissionReview review = wrap(response.build());
            LOG.debugf("[%s] step 6/6 wrapped AdmissionReview", uid);
            return new AdmissionTrace(uid, namespace, podJson, result.injected(), result.reason(),
                    result.renderedSidecar(), patch, review);
        } catch (BadAdmissionRequest | InjectionException e) {
            LOG.debugf("[%s] rejected: %s", uid, e.getMessage());
            return rejected(uid, 400, e.getMessage());
        } catch (RuntimeException e) {
            // Never a stack trace to the API server: log it here, answer with the message.
            LOG.errorf(e, "[%s] injection failed", uid);
            return rejected(uid, 500, "internal error: " + e);
        }
    }

    private static JsonNode decodeReview(byte[] body) {
        JsonNode review;
        try {
            review = PodCodec.JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new BadAdmissionRequest(null, "body: not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        if (review == null || !review.isObject()) {
            throw new BadAdmissionRequest(null, "body: expected a JSON object (an AdmissionReview)");
        }
        if (!"AdmissionReview".equals(review.path("kind").asText())) {
            throw new BadAdmissionRequest(null, "kind: '" + review.path("kind").asText() + "' (expected: AdmissionReview)");
        }
        if (!API_VERSION.equals(review.path("apiVersion").asText())) {
            throw new BadAdmissionRequest(null, "apiVersion: '" + review.path("apiVersion").asText()
                    + "' (expected: " + API_VERSION + ")");
        }
        JsonNode request = review.get("request");
        if (request == null || !request.isObject()) {
            throw new BadAdmissionRequest(null, "request: missing (expected: an AdmissionRequest object)");
        }
        JsonNode uid = request.get("uid");
        if (uid == null || !uid.isTextual() || uid.asText().isEmpty()) {
            throw new BadAdmissionRequest(null, "request.uid: missing (expected: a non-empty string)");
        }
        return request;
    }

    private static ObjectNode decodePod(String uid, JsonNode request) {
        JsonNode kind = request.path("kind");
        if (!"Pod".equals(kind.path("kind").asText()) || !kind.path("group").asText("").isEmpty()) {
            throw new BadAdmissionRequest(uid, "request.kind: " + kind + " (expected: {\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"})");
        }
        JsonNode object = request.get("object");
        if (object == null || !object.isObject()) {
            throw new BadAdmissionRequest(uid, "request.object: missing (expected: the Pod being created)");
        }
        ObjectNode pod = ((ObjectNode) object).deepCopy();
        // managedFields are the API server's bookkeeping; clearing them keeps them out of the diff.
        if (pod.path("metadata").isObject()) {
            ((ObjectNode) pod.get("metadata")).remove("managedFields");
        }
        return pod;
    }

    private static Pod toPod(String uid, ObjectNode podJson) {
        try {
            return PodCodec.JSON.treeToValue(podJson, Pod.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            String path = e instanceof com.fasterxml.jackson.databind.JsonMappingException m ? m.getPathReference() : "";
            throw new BadAdmissionRequest(uid, "request.object: not a valid Pod (" + path + ": "
                    + firstLine(e instanceof JsonProcessingException p ? p.getOriginalMessage() : e.getMessage()) + ")");
        }
    }

    static AdmissionTrace rejected(String uid, int code, String message) {
        AdmissionResponse response = new AdmissionResponseBuilder()
                .withUid(uid)
                .withAllowed(false)
                .withStatus(new StatusBuilder().withStatus("Failure").withCode(code).withMessage(message).build())
                .build();
        return new AdmissionTrace(uid, "", null, false, message, "", null, wrap(response));
    }

    private static AdmissionReview wrap(AdmissionResponse response) {
        return new AdmissionReviewBuilder().withApiVersion(API_VERSION).withKind("AdmissionReview")
                .withResponse(response).build();
    }

    private static String podName(JsonNode pod) {
        JsonNode meta = pod.path("metadata");
        return meta.hasNonNull("name") ? meta.get("name").asText() : meta.path("generateName").asText("") + "*";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
