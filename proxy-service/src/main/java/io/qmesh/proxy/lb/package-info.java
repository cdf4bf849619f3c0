/**
 * Load balancers (ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV): immutable per config
 * generation, lock-free, with injected randomness so that tests are deterministic.
 */
package io.qmesh.proxy.lb;
