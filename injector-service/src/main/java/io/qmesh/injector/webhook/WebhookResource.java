package io.qmesh.injector.webhook;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.qmesh.injector.inject.Injector;
import io.qmesh.injector.inject.PodCodec;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The thin HTTP edge of the webhook: bytes in, AdmissionReview out. JAX-RS answers 415 for a
 * Content-Type other than application/json and Vert.x 413 above {@code quarkus.http.limits.max-body-size}.
 */
@Path("/inject")
public class WebhookResource {

    private final AdmissionPipeline pipeline;

    @Inject
    public WebhookResource(Injector injector) {
        this.pipeline = new AdmissionPipeline(injector);
    }

    /** The endpoint the API server calls. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response inject(byte[] body) {
        try {
            return Response.ok(PodCodec.toJson(pipeline.run(body).review())).build();
        } catch (BadAdmissionRequest e) {
            return badRequest(e);
        }
    }

    /**
     * The same six steps, returning every intermediate result (decoded pod, decision, rendered
     * sidecar, patch, response) instead of only the AdmissionReview. Nothing is stored anywhere.
     */
    @POST
    @Path("/dry-run")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response dryRun(byte[] body) {
        try {
            return Response.ok(PodCodec.toJson(pipeline.run(body))).build();
        } catch (BadAdmissionRequest e) {
            return badRequest(e);
        }
    }

    /** Without a uid there is no AdmissionReview to answer with: a Kubernetes Status and HTTP 400. */
    private static Response badRequest(BadAdmissionRequest e) {
        var status = new StatusBuilder().withApiVersion("v1").withKind("Status").withStatus("Failure")
                .withCode(400).withReason("BadRequest").withMessage(e.getMessage()).build();
        return Response.status(400).type(MediaType.APPLICATION_JSON).entity(PodCodec.toJson(status)).build();
    }
}
