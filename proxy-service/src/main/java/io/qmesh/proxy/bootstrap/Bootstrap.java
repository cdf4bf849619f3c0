package io.qmesh.proxy.bootstrap;

import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.Node;

/**
 * Everything the proxy knows before it talks to the control plane: who it is (the xDS node) and
 * where the control plane is. All other configuration arrives over ADS.
 *
 * @param metadata node.metadata as the pilot contract defines it (ISTIO_META_* without the prefix)
 */
public record Bootstrap(
        NodeType nodeType,
        String nodeId,
        String podName,
        String namespace,
        String instanceIp,
        String serviceAccount,
        String pilotHost,
        int pilotPort,
        Struct metadata) {

    public Node toNode() {
        return Node.newBuilder()
                .setId(nodeId)
                .setCluster(metadata.getFieldsOrDefault("WORKLOAD_NAME",
                        com.google.protobuf.Value.newBuilder().setStringValue(podName).build()).getStringValue()
                        + "." + namespace)
                .setMetadata(metadata)
                .setUserAgentName("qmesh-proxy")
                .build();
    }

    /** A metadata string field, or "" when absent. */
    public String metadataString(String key) {
        var value = metadata.getFieldsMap().get(key);
        return value == null ? "" : value.getStringValue();
    }

    /** A label from metadata.LABELS, or "" when absent. */
    public String label(String key) {
        var labels = metadata.getFieldsMap().get("LABELS");
        if (labels == null || !labels.hasStructValue()) {
            return "";
        }
        var value = labels.getStructValue().getFieldsMap().get(key);
        return value == null ? "" : value.getStringValue();
    }
}
