/**
 * Counters, Istio standard metrics, response flags and the access log. Lock-free on the data path:
 * counters are LongAdders, and the request path reaches them through a {@link io.qmesh.proxy.stats.StatsScope}
 * (one per cluster, one per connection manager) rather than by building their names.
 */
package io.qmesh.proxy.stats;
