package io.qmesh.bookinfo.details;

import java.util.OptionalInt;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.qmesh.bookinfo.common.ErrorBody;
import io.qmesh.bookinfo.common.FaultInjection;
import io.qmesh.bookinfo.common.ProductId;

@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class DetailsResource {

    /** Istio's exact health body; the readiness probe for Kubernetes is {@code /q/health/ready}. */
    static final String HEALTHY = "{\"status\":\"Details is healthy\"}";

    private final FaultInjection faults;

    public DetailsResource(FaultInjection faults) {
        this.faults = faults;
    }

    @GET
    @Path("health")
    public String health() {
        return HEALTHY;
    }

    @GET
    @Path("details/{id}")
    public Response details(@PathParam("id") String id) {
        OptionalInt productId = ProductId.parse(id);
        if (productId.isEmpty()) {
            return ErrorBody.response(400, "please provide numeric product id");
        }
        return faults.failure().orElseGet(() -> Response.ok(BookDetails.forProduct(productId.getAsInt())).build());
    }
}
