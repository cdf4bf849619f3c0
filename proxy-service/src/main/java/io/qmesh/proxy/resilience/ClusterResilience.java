package io.qmesh.proxy.resilience;

/** The resilience state of one cluster (by name), shared by all its config generations. */
public record ClusterResilience(CircuitBreaker circuitBreaker, OutlierDetector outlierDetector) {
}
