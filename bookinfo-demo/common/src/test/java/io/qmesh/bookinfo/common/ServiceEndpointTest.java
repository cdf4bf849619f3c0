package io.qmesh.bookinfo.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class ServiceEndpointTest {

    @Test
    void appendsTheServicesDomainLikeBookinfo() {
        assertEquals("reviews:9080", ServiceEndpoint.of("reviews", Optional.empty(), 9080).authority());
        assertEquals("reviews:9080", ServiceEndpoint.of("reviews", Optional.of(""), 9080).authority());
        assertEquals("reviews.default.svc.cluster.local:9080",
                ServiceEndpoint.of("reviews", Optional.of("default.svc.cluster.local"), 9080).authority());
        assertEquals("http://127.0.0.3:9081/reviews/0",
                ServiceEndpoint.of("127.0.0.3", Optional.empty(), 9081).uri("/reviews/0").toString());
    }

    @Test
    void rejectsBadHostsAndPortsNamingTheField() {
        assertEquals("hostname: 'a b' (expected: a host name or IP address)",
                assertThrows(IllegalArgumentException.class, () -> new ServiceEndpoint("a b", 80)).getMessage());
        assertEquals("port: 0 (expected: 1..65535)",
                assertThrows(IllegalArgumentException.class, () -> new ServiceEndpoint("a", 0)).getMessage());
    }
}
