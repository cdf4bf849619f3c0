package io.qmesh.proxy.bootstrap;

/** Istio's proxy types: a sidecar next to one workload, or a router (ingress/egress gateway). */
public enum NodeType {
    SIDECAR("sidecar"),
    ROUTER("router");

    private final String idPrefix;

    NodeType(String idPrefix) {
        this.idPrefix = idPrefix;
    }

    public String idPrefix() {
        return idPrefix;
    }

    public static NodeType parse(String value) {
        for (NodeType type : values()) {
            if (type.idPrefix.equalsIgnoreCase(value) || type.name().equalsIgnoreCase(value)) {
                return type;
            }
        }
        throw new IllegalArgumentException("node type: \"" + value + "\" (expected: sidecar or router)");
    }
}
