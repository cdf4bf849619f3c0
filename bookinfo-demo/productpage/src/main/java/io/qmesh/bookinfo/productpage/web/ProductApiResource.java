package io.qmesh.bookinfo.productpage.web;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.qmesh.bookinfo.common.ErrorBody;
import io.qmesh.bookinfo.common.ProductId;
import io.qmesh.bookinfo.productpage.session.SessionCookie;
import io.qmesh.bookinfo.productpage.upstream.DetailsClient;
import io.qmesh.bookinfo.productpage.upstream.RatingsClient;
import io.qmesh.bookinfo.productpage.upstream.ReviewsClient;
import io.qmesh.bookinfo.productpage.upstream.UpstreamResponse;

/**
 * {@code /api/v1/products}: the catalogue, and each peer's JSON passed through with its status, or the
 * fallback {@code {"error":...}} with the status bookinfo reports (the peer's, or 500 without an answer).
 */
@Path("/api/v1/products")
@Produces(MediaType.APPLICATION_JSON)
public class ProductApiResource {

    /** What a peer call needs from the incoming request. */
    @FunctionalInterface
    private interface PeerCall {
        UpstreamResponse call(int productId, Map<String, String> headers) throws Exception;
    }

    private final DetailsClient details;
    private final ReviewsClient reviews;
    private final RatingsClient ratings;
    private final SessionCookie sessions;

    public ProductApiResource(DetailsClient details, ReviewsClient reviews, RatingsClient ratings,
            SessionCookie sessions) {
        this.details = details;
        this.reviews = reviews;
        this.ratings = ratings;
        this.sessions = sessions;
    }

    @GET
    public List<Product> products() {
        return Product.CATALOGUE;
    }

    @GET
    @Path("{id}")
    public Response details(@PathParam("id") String id, @Context HttpHeaders headers,
            @CookieParam(SessionCookie.NAME) String session) throws Exception {
        return passThrough(id, headers, session, details::details);
    }

    @GET
    @Path("{id}/reviews")
    public Response reviews(@PathParam("id") String id, @Context HttpHeaders headers,
            @CookieParam(SessionCookie.NAME) String session) throws Exception {
        return passThrough(id, headers, session, reviews::reviews);
    }

    @GET
    @Path("{id}/ratings")
    public Response ratings(@PathParam("id") String id, @Context HttpHeaders headers,
            @CookieParam(SessionCookie.NAME) String session) throws Exception {
        return passThrough(id, headers, session, ratings::ratings);
    }

    private Response passThrough(String id, HttpHeaders headers, String session, PeerCall peer) throws Exception {
        OptionalInt productId = ProductId.parse(id);
        if (productId.isEmpty()) {
            return ErrorBody.response(400, "please provide numeric product id");
        }
        UpstreamResponse response = peer.call(productId.getAsInt(), OutboundHeaders.of(headers, sessions.user(session)));
        return Response.status(response.status()).entity(response.body()).build();
    }
}
