package io.qmesh.bookinfo.ratings;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.qmesh.bookinfo.common.ErrorBody;
import io.qmesh.bookinfo.common.FaultInjection;
import io.qmesh.bookinfo.common.ProductId;

@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class RatingsResource {

    static final String HEALTHY = "{\"status\":\"Ratings is healthy\"}";
    static final int MAX_REVIEWERS = 100;

    private final RatingsStore store;
    private final FaultInjection faults;
    private final ObjectMapper json;

    public RatingsResource(RatingsStore store, FaultInjection faults, ObjectMapper json) {
        this.store = store;
        this.faults = faults;
        this.json = json;
    }

    @GET
    @Path("health")
    public String health() {
        return HEALTHY;
    }

    @GET
    @Path("ratings/{id}")
    public Response ratings(@PathParam("id") String id) {
        OptionalInt productId = ProductId.parse(id);
        if (productId.isEmpty()) {
            return badId();
        }
        return faults.failure().orElseGet(() -> Response.ok(store.get(productId.getAsInt())).build());
    }

    /** Body: a JSON object from reviewer name to whole stars, e.g. {@code {"Reviewer1":3}}. */
    @POST
    @Path("ratings/{id}")
    @Consumes(MediaType.WILDCARD)
    public Response replace(@PathParam("id") String id, String body) {
        OptionalInt productId = ProductId.parse(id);
        if (productId.isEmpty()) {
            return badId();
        }
        Optional<Response> failure = faults.failure();
        if (failure.isPresent()) {
            return failure.get();
        }
        Optional<Map<String, Integer>> ratings = parseRatings(body);
        if (ratings.isEmpty()) {
            return ErrorBody.response(400, "please provide valid ratings JSON");
        }
        if (!store.replace(productId.getAsInt(), ratings.get())) {
            return ErrorBody.response(507, "too many products with posted ratings");
        }
        return Response.ok(store.get(productId.getAsInt())).build();
    }

    private Optional<Map<String, Integer>> parseRatings(String body) {
        JsonNode node;
        try {
            node = json.readTree(body == null ? "" : body);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
        if (node == null || !node.isObject() || node.size() > MAX_REVIEWERS) {
            return Optional.empty();
        }
        Map<String, Integer> ratings = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getValue().canConvertToInt() || !field.getValue().isIntegralNumber()) {
                return Optional.empty();
            }
            ratings.put(field.getKey(), field.getValue().intValue());
        }
        return Optional.of(ratings);
    }

    private static Response badId() {
        return ErrorBody.response(400, "please provide numeric product ID");
    }
}
