package io.qmesh.injector.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;

/**
 * The intermediate results of one admission request, step by step. The webhook returns only
 * {@link #review()}; the dry-run endpoint returns all of it, for teaching and debugging.
 *
 * @param uid step 1: the request uid from the decoded AdmissionReview
 * @param namespace step 2: the namespace the pod is created in
 * @param pod step 2: the decoded pod, managedFields cleared
 * @param injected step 3: whether a sidecar was added
 * @param reason step 3: why (or why not)
 * @param renderedSidecar step 3: the rendered sidecar template (empty when skipped)
 * @param patch step 4: the RFC 6902 JSON Patch (an empty array when skipped)
 * @param review steps 5 and 6: the AdmissionReview sent back to the API server
 */
public record AdmissionTrace(String uid, String namespace, JsonNode pod, boolean injected, String reason,
        String renderedSidecar, JsonNode patch, AdmissionReview review) {
}
