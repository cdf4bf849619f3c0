package io.qmesh.proxy.stats;

/** Istio's standard labels on request metrics, in Istio's order. */
public record RequestLabels(
        String reporter,
        String sourceWorkload,
        String sourceWorkloadNamespace,
        String sourceApp,
        String sourceVersion,
        String destinationWorkload,
        String destinationWorkloadNamespace,
        String destinationService,
        String destinationServiceName,
        String destinationApp,
        String destinationVersion,
        String requestProtocol,
        String responseCode,
        String responseFlags,
        String connectionSecurityPolicy) {

    static final String[] NAMES = {"reporter", "source_workload", "source_workload_namespace", "source_app",
            "source_version", "destination_workload", "destination_workload_namespace", "destination_service",
            "destination_service_name", "destination_app", "destination_version", "request_protocol",
            "response_code", "response_flags", "connection_security_policy"};

    String[] values() {
        return new String[] {reporter, sourceWorkload, sourceWorkloadNamespace, sourceApp, sourceVersion,
                destinationWorkload, destinationWorkloadNamespace, destinationService, destinationServiceName,
                destinationApp, destinationVersion, requestProtocol, responseCode, responseFlags,
                connectionSecurityPolicy};
    }

    /** Prometheus label text: {reporter="source",...}. */
    String render(String extra) {
        StringBuilder sb = new StringBuilder("{");
        String[] values = values();
        for (int i = 0; i < NAMES.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(NAMES[i]).append("=\"").append(escape(values[i])).append('"');
        }
        if (extra != null) {
            sb.append(',').append(extra);
        }
        return sb.append('}').toString();
    }

    /** Labels of istio_tcp_* metrics: the request labels without response_code. */
    String renderTcp() {
        StringBuilder sb = new StringBuilder("{");
        String[] values = values();
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals("response_code")) {
                continue;
            }
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(NAMES[i]).append("=\"").append(escape(values[i])).append('"');
        }
        return sb.append('}').toString();
    }

    static String escape(String v) {
        if (v == null || v.isEmpty()) {
            return "unknown";
        }
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
