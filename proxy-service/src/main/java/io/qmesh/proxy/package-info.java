/**
 * qmesh's proxy: a Netty sidecar/gateway configured only through xDS. Start at {@link io.qmesh.proxy.ProxyServer};
 * packages follow the data flow: bootstrap -> xds -> config/route/cluster/lb -> listener -> http/filter -> stats/admin.
 */
package io.qmesh.proxy;
