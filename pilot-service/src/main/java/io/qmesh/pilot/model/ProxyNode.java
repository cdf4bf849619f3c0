package io.qmesh.pilot.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A connected proxy as the model sees it, decoded from the xDS node id
 * ({@code sidecar~10.1.0.5~reviews-v1-abc.default~default.svc.cluster.local}) and node metadata.
 */
public record ProxyNode(String id, Type type, String ip, String podName, String namespace,
                        Map<String, String> labels, List<WorkloadPort> ports, String serviceAccount,
                        String workloadName, InterceptionMode interceptionMode) {

    public enum Type { SIDECAR, ROUTER }

    public enum InterceptionMode { REDIRECT, TPROXY, NONE }

    public ProxyNode {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        ip = ip == null ? "" : ip;
        podName = podName == null ? "" : podName;
        namespace = namespace == null || namespace.isEmpty() ? "default" : namespace;
        labels = Map.copyOf(new TreeMap<>(labels == null ? Map.of() : labels));
        ports = ports == null ? List.of() : List.copyOf(ports);
        serviceAccount = serviceAccount == null ? "" : serviceAccount;
        workloadName = workloadName == null ? "" : workloadName;
        interceptionMode = interceptionMode == null ? InterceptionMode.REDIRECT : interceptionMode;
    }

    /** The service this proxy's workload backs: label {@code app}, else {@code service.istio.io/canonical-name}. */
    public String serviceName() {
        String app = labels.get("app");
        if (app != null && !app.isEmpty()) {
            return app;
        }
        return labels.getOrDefault("service.istio.io/canonical-name", "");
    }
}
