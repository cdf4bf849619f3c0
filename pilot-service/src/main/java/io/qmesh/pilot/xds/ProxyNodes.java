package io.qmesh.pilot.xds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.WorkloadPort;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decodes an Envoy {@link Node} into the model's {@link ProxyNode}: the id
 * {@code sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local} and Istio's node metadata (ISTIO_META_* with the
 * prefix stripped). Malformed input throws IllegalArgumentException naming the field, and the stream is
 * refused: a proxy we cannot identify must not get someone else's configuration.
 */
public final class ProxyNodes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProxyNodes() {
    }

    public static ProxyNode fromEnvoy(Node node) {
        String id = node.getId();
        String[] parts = id.split("~", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("node.id: \"" + id + "\" (expected: <sidecar|router>~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local)");
        }
        ProxyNode.Type type = switch (parts[0]) {
            case "sidecar" -> ProxyNode.Type.SIDECAR;
            case "router" -> ProxyNode.Type.ROUTER;
            default -> throw new IllegalArgumentException("node.id: type \"" + parts[0] + "\" (expected: sidecar or router)");
        };
        Map<String, Value> meta = node.getMetadata().getFieldsMap();
        String podAndNs = parts[2];
        int dot = podAndNs.lastIndexOf('.');
        String pod = text(meta, "NAME", dot < 0 ? podAndNs : podAndNs.substring(0, dot));
        String namespace = text(meta, "NAMESPACE", dot < 0 ? "default" : podAndNs.substring(dot + 1));
        String ips = text(meta, "INSTANCE_IPS", "");
        String ip = ips.isEmpty() ? parts[1] : ips.split(",")[0].trim();
        Map<String, String> labels = new TreeMap<>();
        Value labelValue = meta.get("LABELS");
        if (labelValue != null && labelValue.hasStructValue()) {
            Struct s = labelValue.getStructValue();
            s.getFieldsMap().forEach((k, v) -> labels.put(k, v.hasStringValue() ? v.getStringValue() : v.toString()));
        }
        String mode = text(meta, "INTERCEPTION_MODE", "REDIRECT").toUpperCase(Locale.ROOT);
        ProxyNode.InterceptionMode interception;
        try {
            interception = ProxyNode.InterceptionMode.valueOf(mode);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("node.metadata.INTERCEPTION_MODE: \"" + mode + "\" (expected: REDIRECT, TPROXY or NONE)");
        }
        return new ProxyNode(id, type, ip, pod, namespace, labels, podPorts(text(meta, "POD_PORTS", "")),
                text(meta, "SERVICE_ACCOUNT", ""), text(meta, "WORKLOAD_NAME", ""), interception,
                text(meta, "APP_ADDRESS", ""));
    }

    /** {@code [{"name":"http","containerPort":9080,"protocol":"TCP"}]} as a JSON string, as Istio sends it. */
    static List<WorkloadPort> podPorts(String json) {
        if (json.isBlank()) {
            return List.of();
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("node.metadata.POD_PORTS: not JSON (expected: [{\"name\":\"http\",\"containerPort\":9080}])");
        }
        if (!root.isArray()) {
            throw new IllegalArgumentException("node.metadata.POD_PORTS: not a list (expected: [{\"name\":\"http\",\"containerPort\":9080}])");
        }
        List<WorkloadPort> out = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode p = root.get(i);
            int port = p.path("containerPort").asInt(0);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("node.metadata.POD_PORTS[" + i + "].containerPort: "
                        + p.path("containerPort") + " (expected: 1..65535)");
            }
            out.add(new WorkloadPort(p.path("name").asText(""), port, null));
        }
        return out;
    }

    private static String text(Map<String, Value> meta, String key, String fallback) {
        Value v = meta.get(key);
        return v != null && v.hasStringValue() && !v.getStringValue().isEmpty() ? v.getStringValue() : fallback;
    }
}
