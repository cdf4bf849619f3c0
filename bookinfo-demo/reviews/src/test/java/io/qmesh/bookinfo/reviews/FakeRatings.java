package io.qmesh.bookinfo.reviews;

import java.util.Map;

import io.qmesh.bookinfo.common.testing.FakeService;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Starts a {@link FakeService} standing in for ratings and points reviews at it. */
public class FakeRatings implements QuarkusTestResourceLifecycleManager {

    static final String ISTIO_RATINGS = "{\"id\":0,\"ratings\":{\"Reviewer1\":5,\"Reviewer2\":4}}";

    static volatile FakeService ratings;

    @Override
    public Map<String, String> start() {
        ratings = new FakeService().answer(200, ISTIO_RATINGS);
        return Map.of("bookinfo.reviews.ratings-hostname", "127.0.0.1",
                "bookinfo.reviews.ratings-service-port", Integer.toString(ratings.port()));
    }

    @Override
    public void stop() {
        ratings.close();
    }
}
