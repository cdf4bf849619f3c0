package io.qmesh.proxy.cluster;

/** Cluster lb_policy values this proxy implements. */
public enum LbPolicy { ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV }
