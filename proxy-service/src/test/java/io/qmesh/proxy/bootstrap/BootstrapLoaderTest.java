package io.qmesh.proxy.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BootstrapLoaderTest {

    static final Map<String, String> ENV = Map.of(
            "POD_NAME", "reviews-v1-7f8d9", "POD_NAMESPACE", "default", "INSTANCE_IP", "10.1.2.3",
            "SERVICE_ACCOUNT", "bookinfo-reviews",
            "ISTIO_META_POD_PORTS", "[{\"name\":\"http\",\"containerPort\":9080,\"protocol\":\"TCP\"}]",
            "ISTIO_META_APP_CONTAINERS", "reviews",
            "ISTIO_META_CLUSTER_ID", "Kubernetes",
            "ISTIO_META_INTERCEPTION_MODE", "NONE",
            "ISTIO_METAJSON_LABELS", "{\"app\":\"reviews\",\"version\":\"v1\"}",
            "PATH", "/usr/bin");

    @Test
    void nodeIdAndMetadataFollowThePilotContract() {
        Bootstrap b = BootstrapLoader.fromEnv(ENV, "127.0.0.1:15010", NodeType.SIDECAR);
        assertEquals("sidecar~10.1.2.3~reviews-v1-7f8d9.default~default.svc.cluster.local", b.nodeId());
        var md = b.toNode().getMetadata().getFieldsMap();
        assertEquals("reviews-v1-7f8d9", md.get("NAME").getStringValue());
        assertEquals("default", md.get("NAMESPACE").getStringValue());
        assertEquals("10.1.2.3", md.get("INSTANCE_IPS").getStringValue());
        assertEquals("bookinfo-reviews", md.get("SERVICE_ACCOUNT").getStringValue());
        assertEquals("NONE", md.get("INTERCEPTION_MODE").getStringValue());
        assertEquals("[{\"name\":\"http\",\"containerPort\":9080,\"protocol\":\"TCP\"}]",
                md.get("POD_PORTS").getStringValue(), "POD_PORTS stays a JSON string");
        assertEquals("reviews", md.get("LABELS").getStructValue().getFieldsMap().get("app").getStringValue());
        assertEquals("v1", b.label("version"));
        assertEquals(false, md.containsKey("PATH"));
        assertEquals("127.0.0.1", b.pilotHost());
        assertEquals(15010, b.pilotPort());
    }

    @Test
    void routerNodeType() {
        Bootstrap b = BootstrapLoader.fromEnv(ENV, "istiod:15010", NodeType.parse("router"));
        assertEquals("router~10.1.2.3~reviews-v1-7f8d9.default~default.svc.cluster.local", b.nodeId());
    }

    @Test
    void badInputNamesTheVariable() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> BootstrapLoader.fromEnv(Map.of("POD_NAME", "p", "ISTIO_METAJSON_LABELS", "[1"), "h:1", NodeType.SIDECAR));
        assertEquals("ISTIO_METAJSON_LABELS: [1 (expected: a JSON object)", e.getMessage());
        assertEquals("pilot address: \"istiod\" (expected: host:port)", assertThrows(IllegalArgumentException.class,
                () -> BootstrapLoader.fromEnv(Map.of("POD_NAME", "p"), "istiod", NodeType.SIDECAR)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> BootstrapLoader.fromEnv(Map.of(), "h:1", NodeType.SIDECAR));
    }
}
