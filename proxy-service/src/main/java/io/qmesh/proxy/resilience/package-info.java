/**
 * Per-cluster resilience state that outlives config generations: the circuit breaker (Envoy's
 * {@code circuit_breakers} thresholds and overflow counters) and the outlier detector (Envoy's
 * {@code outlier_detection}: consecutive 5xx / gateway failures, ejection with growing back-off,
 * max ejection percent). Each is a small lock-free class with an injected ticker; the xDS edge
 * updates their settings, the router and the connection pool consult them on the data path.
 */
package io.qmesh.proxy.resilience;
