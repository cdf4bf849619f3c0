package io.qmesh.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qmesh.cli.client.PilotClient;
import org.junit.jupiter.api.Test;

/** Kinds map to the API group that serves them: Istio's networking API, or qmesh's policies. */
class KindsTest {

    @Test
    void policiesLiveUnderPolicyQmeshIo() {
        assertEquals("ratelimitpolicies", Kinds.plural("RateLimitPolicy"));
        assertEquals("policy.qmesh.io/v1alpha1", PilotClient.groupVersion("ratelimitpolicies"));
        assertEquals("ratelimitpolicy.policy.qmesh.io/productpage", Kinds.ref("RateLimitPolicy", "productpage"));
        assertEquals("networking.istio.io/v1", PilotClient.groupVersion("virtualservices"));
        assertEquals("virtualservice.networking.istio.io/reviews", Kinds.ref("VirtualService", "reviews"));
    }
}
