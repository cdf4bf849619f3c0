package io.qmesh.proxy.resilience;

import io.qmesh.proxy.stats.StatsScope;

/** The resilience state and counters of one cluster (by name), shared by all its config generations. */
public record ClusterResilience(CircuitBreaker circuitBreaker, OutlierDetector outlierDetector, StatsScope stats) {
}
