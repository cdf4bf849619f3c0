/** Counters, Istio standard metrics, response flags and the access log. Lock-free on the data path. */
package io.qmesh.proxy.stats;
