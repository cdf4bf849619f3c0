/**
 * What the four bookinfo services share, so that each application holds only its own behaviour:
 * the list of headers forwarded from every incoming request to every outgoing call
 * ({@link io.qmesh.bookinfo.common.ForwardedHeaders}), the outbound HTTP client that talks to a peer
 * service directly or through a sidecar's HTTP proxy ({@link io.qmesh.bookinfo.common.OutboundHttp}),
 * how a peer's address is built from Istio's {@code *_HOSTNAME}/{@code SERVICES_DOMAIN}/
 * {@code *_SERVICE_PORT} variables ({@link io.qmesh.bookinfo.common.ServiceEndpoint}), the
 * {@code {"error":...}} bodies, and the fault mode used by resilience demos
 * ({@link io.qmesh.bookinfo.common.FaultMode}).
 */
package io.qmesh.bookinfo.common;
