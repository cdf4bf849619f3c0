package io.qmesh.proxy.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.qmesh.proxy.cluster.UpstreamCluster;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.lb.EjectionAwareLoadBalancer;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.resilience.CircuitBreaker;
import io.qmesh.proxy.resilience.ResilienceRegistry;
import io.qmesh.proxy.stats.StatsRegistry;
import io.qmesh.proxy.testing.Mesh;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * circuit_breakers, outlier_detection and the connection options, in the shape pilot sends for
 * Istio's circuit-breaker sample (pilot-service/src/test/resources/xds/circuit-breaker/clusters.golden.yaml).
 */
class ResilienceTranslationTest {

    static final String NAME = "outbound|9080|v1|reviews.default.svc.cluster.local";
    static final int UNLIMITED = (int) 4_294_967_295L;
    final StatsRegistry stats = new StatsRegistry();
    final ClusterTranslator translator = new ClusterTranslator(RandomSource.seeded(1),
            new ResilienceRegistry(stats, System::nanoTime, () -> 0.0));

    /** Pilot's cluster for maxConnections 1, http1MaxPendingRequests 1, maxRequestsPerConnection 1, consecutive5xxErrors 1. */
    static Cluster pilotShape() {
        return Mesh.edsCluster(NAME, Cluster.LbPolicy.LEAST_REQUEST).toBuilder()
                .setConnectTimeout(Duration.newBuilder().setSeconds(10))
                .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                        .setMaxConnections(UInt32Value.of(1)).setMaxPendingRequests(UInt32Value.of(1))
                        .setMaxRequests(UInt32Value.of(UNLIMITED)).setMaxRetries(UInt32Value.of(UNLIMITED))
                        .setTrackRemaining(true)))
                .setOutlierDetection(OutlierDetection.newBuilder().setConsecutive5Xx(UInt32Value.of(1))
                        .setInterval(Duration.newBuilder().setSeconds(1)).setBaseEjectionTime(Duration.newBuilder().setSeconds(180))
                        .setMaxEjectionPercent(UInt32Value.of(100)).setEnforcingConsecutive5Xx(UInt32Value.of(100))
                        .setEnforcingSuccessRate(UInt32Value.of(0)))
                .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(io.envoyproxy.envoy.type.v3.Percent.getDefaultInstance()))
                .putTypedExtensionProtocolOptions(ClusterTranslator.HTTP_PROTOCOL_OPTIONS, Any.pack(
                        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                                .setCommonHttpProtocolOptions(HttpProtocolOptions.newBuilder()
                                        .setIdleTimeout(Duration.newBuilder().setSeconds(3600))
                                        .setMaxRequestsPerConnection(UInt32Value.of(1)))
                                .setExplicitHttpConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                                        .ExplicitHttpConfig.newBuilder().setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()))
                                .build()))
                .build();
    }

    UpstreamCluster translate(Cluster c) throws InvalidConfigException {
        return translator.translate(c, Mesh.endpoints(c.getName(), new InetSocketAddress("127.0.0.1", 9080)));
    }

    @Test
    void pilotsCircuitBreakerShape() throws Exception {
        UpstreamCluster c = translate(pilotShape());
        assertEquals(new CircuitBreaker.Thresholds(1, 1, 4_294_967_295L, 4_294_967_295L), c.thresholds(),
                "2^32-1 is read unsigned: unlimited, never negative");
        assertEquals(1, c.maxRequestsPerConnection(), "from HttpProtocolOptions.common_http_protocol_options");
        assertEquals(3_600_000, c.idleTimeoutMillis());
        assertEquals(10_000, c.connectTimeoutMillis());
        assertEquals(1, c.outlier().consecutive5xx());
        assertEquals(100, c.outlier().enforcing5xxPercent());
        assertEquals(180_000_000_000L, c.outlier().baseEjectionNanos());
        assertEquals(1_000_000_000L, c.outlier().intervalNanos());
        assertEquals(100, c.outlier().maxEjectionPercent());
        assertInstanceOf(EjectionAwareLoadBalancer.class, c.loadBalancer());
        assertTrue(stats.snapshot().containsKey("cluster." + NAME + ".upstream_rq_pending_overflow"));
        assertTrue(stats.snapshot().containsKey("cluster." + NAME + ".outlier_detection.ejections_enforced_total"));
    }

    @Test
    void envoyDefaultsWhenTheClusterSaysNothing() throws Exception {
        UpstreamCluster c = translate(Mesh.edsCluster(NAME, Cluster.LbPolicy.ROUND_ROBIN));
        assertEquals(CircuitBreaker.Thresholds.ENVOY_DEFAULTS, c.thresholds());
        assertEquals(new CircuitBreaker.Thresholds(1024, 1024, 1024, 3), c.thresholds());
        assertEquals(0, c.maxRequestsPerConnection());
        assertEquals(3_600_000, c.idleTimeoutMillis());
        assertNull(c.outlier());
        var od = ResilienceTranslator.outlierDetection(Mesh.edsCluster(NAME, Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
                .setOutlierDetection(OutlierDetection.getDefaultInstance()).build(), "f");
        assertEquals(5, od.consecutive5xx());
        assertEquals(100, od.enforcing5xxPercent());
        assertEquals(5, od.consecutiveGateway());
        assertEquals(0, od.enforcingGatewayPercent());
        assertEquals(10_000_000_000L, od.intervalNanos());
        assertEquals(30_000_000_000L, od.baseEjectionNanos());
        assertEquals(300_000_000_000L, od.maxEjectionNanos());
        assertEquals(10, od.maxEjectionPercent());
    }

    @Test
    void onlyTheDefaultPriorityCountsAndUnsetFieldsKeepEnvoysDefaults() throws Exception {
        Cluster c = Mesh.edsCluster(NAME, Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
                .setCircuitBreakers(CircuitBreakers.newBuilder()
                        .addThresholds(CircuitBreakers.Thresholds.newBuilder().setPriority(RoutingPriority.HIGH)
                                .setMaxConnections(UInt32Value.of(7)))
                        .addThresholds(CircuitBreakers.Thresholds.newBuilder().setMaxRetries(UInt32Value.of(0))))
                .build();
        assertEquals(new CircuitBreaker.Thresholds(1024, 1024, 1024, 0), translate(c).thresholds());
    }

    @Test
    void stateSurvivesGenerationsOfTheSameCluster() throws Exception {
        UpstreamCluster first = translate(pilotShape());
        UpstreamCluster second = translate(pilotShape().toBuilder().clearOutlierDetection().build());
        assertSame(first.circuitBreaker(), second.circuitBreaker());
        assertSame(first.outlierDetector(), second.outlierDetector());
        assertSame(first.loadBalancer().endpoints().get(0).counters().outlier,
                second.loadBalancer().endpoints().get(0).counters().outlier);
    }

    @Test
    void badPercentagesAreNackedWithTheField() {
        Cluster c = Mesh.edsCluster(NAME, Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
                .setOutlierDetection(OutlierDetection.newBuilder().setMaxEjectionPercent(UInt32Value.of(150))).build();
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> translate(c));
        assertEquals("clusters[" + NAME + "].outlier_detection.max_ejection_percent: 150 (expected: 0-100)", e.getMessage());
    }
}
