package io.qmesh.pilot.server;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code GET /ready}: 200 once pilot serves proxies (on Kubernetes: every informer has synced and a
 * snapshot was built from them), 503 before; the readiness probe, as istiod's {@code /ready}.
 */
@Path("/ready")
public class ReadyResource {
    @Inject
    PilotRuntime runtime;

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public Response ready() {
        return runtime.ready()
                ? Response.ok("ready\n").build()
                : Response.status(503).entity("not ready: waiting for the Kubernetes informers to sync\n").build();
    }
}
