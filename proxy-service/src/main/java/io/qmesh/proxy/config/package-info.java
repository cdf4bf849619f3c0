/**
 * The proxy's own immutable configuration ({@link io.qmesh.proxy.config.ProxyConfig}): what xDS is
 * translated into at the edge. No protobuf types appear here, so nothing on the data path parses xDS.
 */
package io.qmesh.proxy.config;
