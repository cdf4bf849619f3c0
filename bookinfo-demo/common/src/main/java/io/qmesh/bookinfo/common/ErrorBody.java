package io.qmesh.bookinfo.common;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The {@code {"error":"..."}} body bookinfo services answer failures with. */
public record ErrorBody(String error) {

    public static Response response(int status, String error) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorBody(error)).build();
    }
}
