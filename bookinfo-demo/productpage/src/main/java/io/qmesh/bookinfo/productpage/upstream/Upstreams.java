package io.qmesh.bookinfo.productpage.upstream;

import java.io.IOException;
import java.util.Map;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.qmesh.bookinfo.common.OutboundHttp;
import io.qmesh.bookinfo.common.OutboundResponse;
import io.qmesh.bookinfo.common.ServiceEndpoint;
import io.qmesh.bookinfo.productpage.ProductPageConfig;
import io.quarkus.runtime.Startup;

/** Where details, reviews and ratings are, and the one way productpage GETs JSON from them. */
@Startup
@Singleton
public class Upstreams {

    private static final Logger LOG = Logger.getLogger(Upstreams.class);

    private final ServiceEndpoint details;
    private final ServiceEndpoint reviews;
    private final ServiceEndpoint ratings;
    private final OutboundHttp http;
    private final ObjectMapper json;

    public Upstreams(ProductPageConfig config, OutboundHttp http, ObjectMapper json) {
        this.details = ServiceEndpoint.of(config.detailsHostname(), config.servicesDomain(), config.detailsServicePort());
        this.reviews = ServiceEndpoint.of(config.reviewsHostname(), config.servicesDomain(), config.reviewsServicePort());
        this.ratings = ServiceEndpoint.of(config.ratingsHostname(), config.servicesDomain(), config.ratingsServicePort());
        this.http = http;
        this.json = json;
        LOG.infof("details at %s, reviews at %s, ratings at %s%s; %d ms per try, reviews tried %d times",
                details.authority(), reviews.authority(), ratings.authority(),
                http.proxy().map(p -> " via proxy " + p).orElse(""), config.callTimeoutMs(), config.reviewsRetries() + 1);
    }

    public ServiceEndpoint details() {
        return details;
    }

    public ServiceEndpoint reviews() {
        return reviews;
    }

    public ServiceEndpoint ratings() {
        return ratings;
    }

    /** GETs a JSON document; anything but 200 with JSON is thrown, for the fault-tolerance layers to see. */
    UpstreamResponse getJson(ServiceEndpoint peer, String path, Map<String, String> headers)
            throws IOException, InterruptedException {
        OutboundResponse response = http.get(peer, path, headers);
        if (!response.isOk()) {
            throw new UpstreamFailure(peer.authority(), response.status(), "not 200");
        }
        try {
            JsonNode body = json.readTree(response.body());
            if (body == null || !body.isContainerNode()) {
                throw new UpstreamFailure(peer.authority(), 502, "not a JSON document");
            }
            return UpstreamResponse.ok(body);
        } catch (JsonProcessingException e) {
            throw new UpstreamFailure(peer.authority(), 502, "invalid JSON");
        }
    }
}
