package io.qmesh.bookinfo.productpage.web;

import java.util.Map;
import java.util.Optional;

import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import io.qmesh.bookinfo.productpage.session.SessionCookie;
import io.qmesh.bookinfo.productpage.upstream.DetailsClient;
import io.qmesh.bookinfo.productpage.upstream.ReviewsClient;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/** The HTML pages: the index, the product page, and the health text. */
@Path("/")
public class ProductPageResource {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance index();

        static native TemplateInstance productpage(ProductPageView page);
    }

    private final DetailsClient details;
    private final ReviewsClient reviews;
    private final SessionCookie sessions;

    public ProductPageResource(DetailsClient details, ReviewsClient reviews, SessionCookie sessions) {
        this.details = details;
        this.reviews = reviews;
        this.sessions = sessions;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance index() {
        return Templates.index();
    }

    @GET
    @Path("index.html")
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance indexHtml() {
        return Templates.index();
    }

    @GET
    @Path("health")
    @Produces(MediaType.TEXT_PLAIN)
    public String health() {
        return "Product page is healthy";
    }

    /** Calls details, then reviews (as Istio's productpage does, one after the other) and renders both. */
    @GET
    @Path("productpage")
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance productPage(@Context HttpHeaders headers, @CookieParam(SessionCookie.NAME) String session)
            throws Exception {
        Optional<String> user = sessions.user(session);
        Map<String, String> forwarded = OutboundHeaders.of(headers, user);
        Product product = Product.featured();
        ProductPageView.Details shownDetails = ProductPageView.Details.from(details.details(product.id(), forwarded));
        ProductPageView.Reviews shownReviews = ProductPageView.Reviews.from(reviews.reviews(product.id(), forwarded));
        return Templates.productpage(new ProductPageView(product, user.orElse(""), shownDetails, shownReviews));
    }
}
