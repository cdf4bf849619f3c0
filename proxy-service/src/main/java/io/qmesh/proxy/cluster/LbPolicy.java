package io.qmesh.proxy.cluster;

/**
 * Cluster lb_policy values this proxy implements. CLUSTER_PROVIDED is the ORIGINAL_DST (passthrough)
 * cluster's: its endpoint is the original destination of the downstream connection.
 */
public enum LbPolicy { ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV, CLUSTER_PROVIDED }
