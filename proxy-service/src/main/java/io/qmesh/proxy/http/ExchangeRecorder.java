package io.qmesh.proxy.http;

import io.qmesh.proxy.cluster.UpstreamCluster;
import io.qmesh.proxy.lb.LbEndpoint;
import io.qmesh.proxy.stats.AccessLogEntry;
import io.qmesh.proxy.stats.RequestLabels;
import io.qmesh.proxy.stats.ResponseFlag;
import io.qmesh.proxy.stats.StatsScope;
import java.time.Instant;

/** Turns a finished exchange into counters, Istio metrics and an access log line. */
final class ExchangeRecorder {

    /** Status codes as label values, made once: the Istio series lookup then compares the same instances. */
    private static final String[] STATUS_TEXT = new String[600];

    static {
        for (int i = 0; i < STATUS_TEXT.length; i++) {
            STATUS_TEXT[i] = Integer.toString(i);
        }
    }

    private ExchangeRecorder() {
    }

    private static String statusText(int status) {
        return status >= 0 && status < STATUS_TEXT.length ? STATUS_TEXT[status] : Integer.toString(status);
    }

    static void record(HttpExchange ex, int status, int flags, long durationNanos, long requestBytes, long responseBytes,
                       Instant start, String upstreamServiceTime) {
        DataPlane plane = ex.plane;
        StatsScope http = plane.stats().httpScope(ex.statPrefix());
        http.inc("downstream_rq_total");
        http.incClass("downstream_rq_", status);
        if (flags != 0) {
            for (ResponseFlag f : ResponseFlag.values()) {
                if ((flags & f.bit()) != 0) {
                    http.inc("rq_response_flag." + f.code());
                }
            }
        }
        double millis = durationNanos / 1_000_000.0;
        boolean outbound = ex.listener == null || ex.listener.outbound();
        plane.metrics().record(labels(ex, outbound, status, flags), millis, requestBytes, responseBytes);

        UpstreamCluster cluster = ex.cluster;
        plane.accessLog().log(new AccessLogEntry(start, ex.methodName(),
                ex.view == null ? ex.request.uri() : ex.view.pathAndQuery(), ex.protocol(), status, flags,
                requestBytes, responseBytes, durationNanos / 1_000_000, upstreamServiceTime,
                ex.requestHeader("x-forwarded-for"), ex.requestHeader("user-agent"), ex.requestHeader("x-request-id"),
                ex.view == null ? null : ex.view.authority(),
                ex.upstreamEndpoint == null ? null : ex.upstreamEndpoint.hostPort(),
                cluster == null ? null : cluster.name()));
    }

    private static RequestLabels labels(HttpExchange ex, boolean outbound, int status, int flags) {
        DataPlane.LocalWorkload local = ex.plane.workload();
        UpstreamCluster c = ex.cluster;
        // Endpoint metadata from EDS (Istio's istio.workload), split when the endpoint was made.
        LbEndpoint.Peer peer = ex.upstreamEndpoint == null ? LbEndpoint.Peer.UNKNOWN : ex.upstreamEndpoint.peer();
        String service = c == null ? "unknown" : c.destinationService();
        if (outbound) {
            return new RequestLabels("source", local.workload(), local.namespace(), local.app(), local.version(),
                    peer.workload(), peer.namespace().equals("unknown") && c != null ? c.destinationNamespace() : peer.namespace(),
                    service, c == null ? "unknown" : c.destinationServiceName(), peer.app(), peer.version(),
                    requestProtocol(ex), statusText(status), ResponseFlag.format(flags), "unknown");
        }
        return new RequestLabels("destination", "unknown", "unknown", "unknown", "unknown",
                local.workload(), local.namespace(), service, c == null ? "unknown" : c.destinationServiceName(),
                local.app(), local.version(), requestProtocol(ex), statusText(status), ResponseFlag.format(flags), "none");
    }

    /** Istio's request_protocol: grpc for gRPC requests, else http. */
    private static String requestProtocol(HttpExchange ex) {
        String type = ex.requestHeader("content-type");
        return type != null && type.startsWith("application/grpc") ? "grpc" : "http";
    }

}
