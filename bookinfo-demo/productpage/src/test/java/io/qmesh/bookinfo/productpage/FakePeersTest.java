package io.qmesh.bookinfo.productpage;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;

/**
 * Base of the productpage tests that share one running app and {@link FakeUpstreams}: each test starts
 * with healthy peers and closed breakers, and stalled requests are released after it.
 */
abstract class FakePeersTest {

    @Inject
    CircuitBreakerMaintenance breakers;

    @BeforeEach
    void healthyPeersAndClosedBreakers() {
        FakeUpstreams.answerNormally();
        breakers.resetAll();
    }

    @AfterEach
    void releaseStalledRequests() {
        FakeUpstreams.answerNormally();
    }
}
