package io.qmesh.pilot.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmesh.pilot.rules.CheckedDocument;
import io.qmesh.pilot.rules.FieldError;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * The validating admission webhook for the rule CRDs ({@code admission.k8s.io/v1 AdmissionReview}):
 * only decodes the review and encodes the answer; the check is {@link io.qmesh.pilot.rules.RuleService#review},
 * the REST API's own reading and validation, so {@code kubectl apply} is refused with the same
 * field-path messages ({@code spec.http[0].route[1].weight: -5 (expected: >= 0)}) as {@code qmesh apply}.
 * A denial carries the message and one {@code details.causes} entry per field; warnings go back in
 * {@code response.warnings}, which kubectl prints. DELETE is always allowed.
 */
@Path("/validate")
public class ValidationWebhookResource {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @Inject
    PilotRuntime runtime;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response validate(JsonNode review) {
        JsonNode request = review == null ? null : review.path("request");
        if (request == null || !request.isObject() || request.path("uid").asText("").isEmpty()) {
            return StatusResponses.failure(400, "BadRequest",
                    "request: missing (expected: an admission.k8s.io/v1 AdmissionReview with request.uid)", List.of());
        }
        ObjectNode out = JSON.objectNode();
        out.put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        ObjectNode response = out.putObject("response");
        response.put("uid", request.path("uid").asText());
        JsonNode object = request.path("object");
        if ("DELETE".equals(request.path("operation").asText()) || !object.isObject()) {
            response.put("allowed", true);
            return Response.ok(out).build();
        }
        CheckedDocument checked = runtime.rules().review(object, request.path("namespace").asText("default"));
        response.put("allowed", checked.ok());
        if (!checked.ok()) {
            ObjectNode status = response.putObject("status");
            status.put("status", "Failure").put("reason", "Invalid").put("code", 422).put("message", checked.rejection());
            ArrayNode causes = status.putObject("details").putArray("causes");
            for (FieldError e : checked.errors()) {
                causes.addObject().put("field", e.path()).put("message", e.message());
            }
        }
        if (!checked.warnings().isEmpty()) {
            ArrayNode warnings = response.putArray("warnings");
            checked.warnings().forEach(w -> warnings.add(w.toString()));
        }
        return Response.ok(out).build();
    }
}
