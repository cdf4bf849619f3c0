package io.qmesh.proxy.xds;

import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.resilience.CircuitBreaker;
import io.qmesh.proxy.resilience.OutlierDetector;

/**
 * A cluster's {@code circuit_breakers} and {@code outlier_detection} -> the resilience settings of one
 * generation, with Envoy's defaults for what is unset (Istio sends 2^32-1 for limits its rule leaves
 * unset, so those are unlimited in practice).
 */
final class ResilienceTranslator {

    private static final long MILLIS = 1_000_000L;

    private ResilienceTranslator() {
    }

    /** The DEFAULT-priority thresholds (HIGH-priority ones are not used: routes here are all DEFAULT). */
    static CircuitBreaker.Thresholds thresholds(Cluster c, String field) throws InvalidConfigException {
        CircuitBreaker.Thresholds d = CircuitBreaker.Thresholds.ENVOY_DEFAULTS;
        for (int i = 0; i < c.getCircuitBreakers().getThresholdsCount(); i++) {
            CircuitBreakers.Thresholds t = c.getCircuitBreakers().getThresholds(i);
            if (t.getPriority() == RoutingPriority.UNRECOGNIZED) {
                throw new InvalidConfigException(field + ".circuit_breakers.thresholds[" + i
                        + "].priority: unrecognized (expected: DEFAULT or HIGH)");
            }
            if (t.getPriority() != RoutingPriority.DEFAULT) {
                continue;
            }
            return new CircuitBreaker.Thresholds(
                    t.hasMaxConnections() ? Integer.toUnsignedLong(t.getMaxConnections().getValue()) : d.maxConnections(),
                    t.hasMaxPendingRequests() ? Integer.toUnsignedLong(t.getMaxPendingRequests().getValue()) : d.maxPendingRequests(),
                    t.hasMaxRequests() ? Integer.toUnsignedLong(t.getMaxRequests().getValue()) : d.maxRequests(),
                    t.hasMaxRetries() ? Integer.toUnsignedLong(t.getMaxRetries().getValue()) : d.maxRetries());
        }
        return d;
    }

    /** outlier_detection with Envoy's defaults, or null when the cluster has none. */
    static OutlierDetector.Config outlierDetection(Cluster c, String field) throws InvalidConfigException {
        if (!c.hasOutlierDetection()) {
            return null;
        }
        OutlierDetection od = c.getOutlierDetection();
        String f = field + ".outlier_detection";
        long interval = od.hasInterval() ? Durations.millis(od.getInterval(), f + ".interval") : 10_000;
        if (interval <= 0) {
            throw new InvalidConfigException(f + ".interval: " + interval + "ms (expected: > 0)");
        }
        long base = od.hasBaseEjectionTime() ? Durations.millis(od.getBaseEjectionTime(), f + ".base_ejection_time") : 30_000;
        long max = od.hasMaxEjectionTime() ? Durations.millis(od.getMaxEjectionTime(), f + ".max_ejection_time") : 300_000;
        return new OutlierDetector.Config(
                od.hasConsecutive5Xx() ? od.getConsecutive5Xx().getValue() : 5,
                percent(od.hasEnforcingConsecutive5Xx() ? od.getEnforcingConsecutive5Xx().getValue() : 100,
                        f + ".enforcing_consecutive_5xx"),
                od.hasConsecutiveGatewayFailure() ? od.getConsecutiveGatewayFailure().getValue() : 5,
                percent(od.hasEnforcingConsecutiveGatewayFailure() ? od.getEnforcingConsecutiveGatewayFailure().getValue() : 0,
                        f + ".enforcing_consecutive_gateway_failure"),
                interval * MILLIS, base * MILLIS, max * MILLIS,
                percent(od.hasMaxEjectionPercent() ? od.getMaxEjectionPercent().getValue() : 10,
                        f + ".max_ejection_percent"));
    }

    private static int percent(int value, String field) throws InvalidConfigException {
        if (value < 0 || value > 100) {
            throw new InvalidConfigException(field + ": " + value + " (expected: 0-100)");
        }
        return value;
    }
}
