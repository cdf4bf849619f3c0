package io.qmesh.pilot.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmesh.pilot.rules.FieldError;
import io.qmesh.pilot.rules.RuleException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import java.util.List;

/** Errors as Kubernetes {@code Status} objects, so kubectl-minded clients read them as usual. */
@Provider
public class StatusResponses implements ExceptionMapper<RuleException> {
    @Override
    public Response toResponse(RuleException e) {
        return failure(e.status(), e.reason(), e.getMessage(), e.errors());
    }

    static Response failure(int code, String reason, String message, List<FieldError> causes) {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("kind", "Status").put("apiVersion", "v1").put("status", "Failure")
                .put("message", message).put("reason", reason).put("code", code);
        if (!causes.isEmpty()) {
            ArrayNode c = s.putObject("details").putArray("causes");
            causes.forEach(f -> c.addObject().put("field", f.path()).put("message", f.message()));
        }
        return Response.status(code).type(MediaType.APPLICATION_JSON).entity(s).build();
    }

    static Response notFound(String what) {
        return failure(404, "NotFound", what, List.of());
    }
}
