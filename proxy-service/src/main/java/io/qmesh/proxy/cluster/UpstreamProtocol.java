package io.qmesh.proxy.cluster;

/**
 * The HTTP version a cluster speaks to its endpoints, from the cluster's
 * {@code envoy.extensions.upstreams.http.v3.HttpProtocolOptions} (pilot sends {@code explicit_http_config}
 * with {@code http2_protocol_options} for Istio's http2/grpc ports, {@code http_protocol_options} otherwise).
 */
public enum UpstreamProtocol {
    /** HTTP/1.1 (Envoy's default when nothing is said). */
    HTTP1,
    /** HTTP/2 over cleartext (h2c, prior knowledge), streams multiplexed on pooled connections. */
    HTTP2,
    /** use_downstream_protocol_config: HTTP/2 when the downstream request came over HTTP/2. */
    DOWNSTREAM;

    /** Whether a request that arrived over {@code downstreamHttp2} goes upstream over HTTP/2. */
    public boolean http2For(boolean downstreamHttp2) {
        return this == HTTP2 || (this == DOWNSTREAM && downstreamHttp2);
    }
}
