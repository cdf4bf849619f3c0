/**
 * The xDS edge: the ADS client (ACK/NACK, reconnect), the accepted resources, and the translators
 * from Envoy protos to {@link io.qmesh.proxy.config.ProxyConfig}. Nothing past this package sees protobuf.
 */
package io.qmesh.proxy.xds;
