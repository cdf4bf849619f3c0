/**
 * envoy.filters.http.local_ratelimit: per-proxy token buckets (the default one and per descriptor,
 * descriptors generated from rate_limits actions), kept across config pushes by the factory.
 */
package io.qmesh.proxy.filter.ratelimit;
