package io.qmesh.pilot.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A connected proxy as the model sees it, decoded from the xDS node id
 * ({@code sidecar~10.1.0.5~reviews-v1-abc.default~default.svc.cluster.local}) and node metadata.
 *
 * @param appAddress where the sidecar delivers inbound traffic in explicit-proxy mode (metadata
 *                   {@code APP_ADDRESS}; Istio's default for uncaptured workloads is 127.0.0.1). With
 *                   capture (REDIRECT/TPROXY) inbound traffic goes to {@link #ip()}.
 */
public record ProxyNode(String id, Type type, String ip, String podName, String namespace,
                        Map<String, String> labels, List<WorkloadPort> ports, String serviceAccount,
                        String workloadName, InterceptionMode interceptionMode, String appAddress) {

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
        appAddress = appAddress == null || appAddress.isEmpty() ? "127.0.0.1" : appAddress;
    }

    public ProxyNode(String id, Type type, String ip, String podName, String namespace,
                     Map<String, String> labels, List<WorkloadPort> ports, String serviceAccount,
                     String workloadName, InterceptionMode interceptionMode) {
        this(id, type, ip, podName, namespace, labels, ports, serviceAccount, workloadName, interceptionMode, null);
    }

    /** Explicit-proxy mode: no capture, so listeners bind the proxy's own address and the app listens elsewhere. */
    public boolean explicitProxy() {
        return interceptionMode == InterceptionMode.NONE;
    }

    /** The address of the local application behind this sidecar, for {@code inbound|port||} clusters. */
    public String inboundEndpointAddress() {
        return explicitProxy() ? appAddress : ip;
    }

    /** The address this proxy's bound listeners use: its own address without capture, else the wildcard. */
    public String listenerAddress() {
        return explicitProxy() && !ip.isEmpty() ? ip : "0.0.0.0";
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
