package io.qmesh.pilot.xds;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.WorkloadPort;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Explicit-proxy mode ({@code INTERCEPTION_MODE=NONE}, as {@code qmesh up} runs several "pods" on one
 * host): nothing is captured, so the sidecar's listeners bind its own address and the inbound cluster
 * delivers to the app's address ({@code APP_ADDRESS}, default 127.0.0.1).
 */
class ExplicitProxyTest {
    private static final ProxyNode EXPLICIT = new ProxyNode(
            "sidecar~127.0.0.31~reviews-v1-x.default~default.svc.cluster.local", ProxyNode.Type.SIDECAR,
            "127.0.0.31", "reviews-v1-x", "default", Map.of("app", "reviews", "version", "v1"),
            List.of(new WorkloadPort("http", 9080, null)), "bookinfo-reviews", "reviews-v1",
            ProxyNode.InterceptionMode.NONE, "127.0.0.9");

    private final MeshSnapshot snapshot = BookinfoMesh.snapshot(1, List.of("destination-rule-all.yaml", "virtual-service-all-v1.yaml"));

    @Test
    void listenersBindTheProxyAddressAndThereIsNoVirtualInbound() {
        Map<String, ?> listeners = ConfigGenerator.generate(snapshot, EXPLICIT).resources(TypeUrls.LISTENER);

        assertFalse(listeners.containsKey(ListenerTranslator.VIRTUAL_INBOUND));
        Listener outbound = (Listener) listeners.get(ListenerTranslator.VIRTUAL_OUTBOUND);
        assertEquals("127.0.0.31:15001", address(outbound.getAddress().getSocketAddress()));
        Listener inbound = (Listener) listeners.get("127.0.0.31_9080");
        assertEquals("127.0.0.31:9080", address(inbound.getAddress().getSocketAddress()));
        assertEquals(java.util.Set.of("0.0.0.0_8080", "0.0.0.0_9080", "127.0.0.31_9080", "virtualOutbound"), listeners.keySet());
    }

    @Test
    void inboundClusterDeliversToTheAppAddress() {
        Cluster inbound = (Cluster) ConfigGenerator.generate(snapshot, EXPLICIT).resources(TypeUrls.CLUSTER).get("inbound|9080||");

        assertEquals("127.0.0.9:9080", address(inbound.getLoadAssignment().getEndpoints(0).getLbEndpoints(0)
                .getEndpoint().getAddress().getSocketAddress()));
    }

    @Test
    void inboundClustersSpeakHttp2ToTheAppOnlyOnHttp2AndGrpcPorts() {
        ProxyNode grpc = new ProxyNode(EXPLICIT.id(), EXPLICIT.type(), EXPLICIT.ip(), EXPLICIT.podName(),
                EXPLICIT.namespace(), EXPLICIT.labels(),
                List.of(new WorkloadPort("http", 9080, null), new WorkloadPort("grpc-api", 9090, null)),
                "", "", ProxyNode.InterceptionMode.NONE);
        Map<String, ?> clusters = ConfigGenerator.generate(snapshot, grpc).resources(TypeUrls.CLUSTER);

        assertTrue(unpackHttp2((Cluster) clusters.get("inbound|9090||")), "grpc port: HTTP/2 to the app");
        assertFalse(((Cluster) clusters.get("inbound|9080||")).containsTypedExtensionProtocolOptions(
                ClusterTranslator.HTTP_OPTIONS), "http port: HTTP/1.1, the default");
    }

    private static boolean unpackHttp2(Cluster cluster) {
        try {
            return cluster.getTypedExtensionProtocolOptionsMap().get(ClusterTranslator.HTTP_OPTIONS)
                    .unpack(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.class)
                    .getExplicitHttpConfig().hasHttp2ProtocolOptions();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void appAddressDefaultsToLoopbackAndCaptureModesKeepTheWorkloadAddress() {
        ProxyNode defaulted = new ProxyNode(EXPLICIT.id(), EXPLICIT.type(), EXPLICIT.ip(), EXPLICIT.podName(),
                EXPLICIT.namespace(), EXPLICIT.labels(), EXPLICIT.ports(), "", "", ProxyNode.InterceptionMode.NONE);
        ProxyNode captured = BookinfoMesh.PROXIES.get("reviews-v1");

        assertEquals("127.0.0.1", defaulted.inboundEndpointAddress());
        assertEquals("10.0.0.31", captured.inboundEndpointAddress());
        assertEquals("0.0.0.0", captured.listenerAddress());
        assertTrue(ConfigGenerator.generate(snapshot, captured).resources(TypeUrls.LISTENER).containsKey(ListenerTranslator.VIRTUAL_INBOUND));
    }

    @Test
    void thePushCacheGivesExplicitAndCapturedProxiesOfOneWorkloadTheirOwnListeners() {
        ConfigCache cache = new ConfigCache();
        ProxyNode captured = BookinfoMesh.PROXIES.get("reviews-v1");
        for (ProxyNode p : List.of(captured, EXPLICIT, captured)) {
            ConfigCacheTest.assertSameConfig(ConfigGenerator.generate(snapshot, p), cache.generate(snapshot, p), p.interceptionMode().toString());
        }
    }

    private static String address(SocketAddress a) {
        return a.getAddress() + ":" + a.getPortValue();
    }
}
