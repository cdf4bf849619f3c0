package io.qmesh.bookinfo.productpage.web;

import java.net.URI;
import java.util.Optional;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.qmesh.bookinfo.productpage.session.SessionCookie;

/** Sign in and out. Both send the browser back to the product page (Istio: to the referrer). */
@Path("/")
public class SessionResource {

    private static final URI PRODUCT_PAGE = URI.create("/productpage");

    private final SessionCookie sessions;

    public SessionResource(SessionCookie sessions) {
        this.sessions = sessions;
    }

    /** The form's {@code passwd} field is accepted and ignored, as in bookinfo. */
    @POST
    @Path("login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response login(@FormParam("username") String username) {
        Optional<String> invalid = SessionCookie.validateUser(username);
        if (invalid.isPresent()) {
            return Response.status(400).type(MediaType.TEXT_PLAIN_TYPE).entity(invalid.get()).build();
        }
        return Response.status(302).location(PRODUCT_PAGE).cookie(sessions.signIn(username)).build();
    }

    @GET
    @Path("logout")
    public Response logout() {
        return Response.status(302).location(PRODUCT_PAGE).cookie(sessions.signOut()).build();
    }
}
