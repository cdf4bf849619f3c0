package io.qmesh.pilot.model.istio;

import java.util.List;
import java.util.Map;

/**
 * {@code networking.istio.io/v1 Sidecar}: which services the sidecars of its namespace are sent.
 * pilot reads the egress {@code hosts} ({@code <namespace>/<dnsName>}) of a Sidecar without
 * {@code workloadSelector}; the other fields are accepted (so Istio's files apply unchanged) and
 * reported as not applied by the validator.
 */
public record Sidecar(ConfigMeta metadata, Spec spec) implements IstioConfig {

    @Override
    public ConfigKind kind() {
        return ConfigKind.SIDECAR;
    }

    @Override
    public Sidecar withMetadata(ConfigMeta value) {
        return new Sidecar(value, spec);
    }

    public record Spec(WorkloadSelector workloadSelector, List<Map<String, Object>> ingress, List<EgressListener> egress,
                       Map<String, Object> outboundTrafficPolicy, Map<String, Object> inboundConnectionPool) {
        public Spec {
            ingress = ingress == null ? List.of() : ingress;
            egress = egress == null ? List.of() : egress;
        }
    }

    public record WorkloadSelector(Map<String, String> labels) {
    }

    public record EgressListener(Map<String, Object> port, String bind, String captureMode, List<String> hosts) {
        public EgressListener {
            hosts = hosts == null ? List.of() : hosts;
        }
    }
}
