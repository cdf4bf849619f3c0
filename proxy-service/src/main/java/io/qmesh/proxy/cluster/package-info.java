/** Upstream clusters as the data path sees them, and the per-event-loop HTTP/1.1 connection pools. */
package io.qmesh.proxy.cluster;
