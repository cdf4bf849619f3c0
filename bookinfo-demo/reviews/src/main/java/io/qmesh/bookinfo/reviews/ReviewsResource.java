package io.qmesh.bookinfo.reviews;

import java.util.Optional;
import java.util.OptionalInt;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.qmesh.bookinfo.common.ErrorBody;
import io.qmesh.bookinfo.common.FaultInjection;
import io.qmesh.bookinfo.common.ForwardedHeaders;
import io.qmesh.bookinfo.common.ProductId;

@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class ReviewsResource {

    /** Istio's exact health body, space included. */
    static final String HEALTHY = "{\"status\": \"Reviews is healthy\"}";

    private final ReviewsService reviews;
    private final FaultInjection faults;

    public ReviewsResource(ReviewsService reviews, FaultInjection faults) {
        this.reviews = reviews;
        this.faults = faults;
    }

    @GET
    @Path("health")
    public String health() {
        return HEALTHY;
    }

    @GET
    @Path("reviews/{id}")
    public Response reviews(@PathParam("id") String id, @Context HttpHeaders headers) throws InterruptedException {
        OptionalInt productId = ProductId.parse(id);
        if (productId.isEmpty()) {
            return ErrorBody.response(400, "please provide numeric product id");
        }
        Optional<Response> failure = faults.failure();
        if (failure.isPresent()) {
            return failure.get();
        }
        // end-user is forwarded too: a mesh routes reviews -> ratings on it as well.
        return Response.ok(reviews.reviews(productId.getAsInt(),
                ForwardedHeaders.select(headers::getHeaderString, true))).build();
    }
}
