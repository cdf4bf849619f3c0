package io.qmesh.pilot.adapter.local;

import io.qmesh.pilot.model.Protocol;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.RegistryChange;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.ServiceRegistry;
import io.qmesh.pilot.model.WorkloadPort;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalAdapterTest {
    private final AtomicLong now = new AtomicLong();
    private final LocalAdapter adapter = new LocalAdapter(Duration.ofSeconds(10), now::get, ServiceRegistry.EMPTY);
    private final List<RegistryChange> changes = new ArrayList<>();

    LocalAdapterTest() {
        adapter.onChange(changes::add);
    }

    static ProxyNode reviews(String version, String ip) {
        return new ProxyNode("sidecar~" + ip + "~reviews-" + version + ".default~default.svc.cluster.local",
                ProxyNode.Type.SIDECAR, ip, "reviews-" + version, "default", Map.of("app", "reviews", "version", version),
                List.of(new WorkloadPort("http", 9080, null)), "bookinfo-reviews", "reviews-" + version, null);
    }

    @Test
    void registersAWorkloadAndItsServiceFromNodeMetadata() {
        adapter.connected(reviews("v1", "10.0.0.1"));

        ServiceRegistry r = adapter.registry();
        assertEquals(1, r.services().size());
        Service s = r.services().get(0);
        assertEquals("reviews.default.svc.cluster.local", s.hostname());
        assertEquals(Protocol.HTTP, s.ports().get(0).protocol());
        assertEquals(9080, s.ports().get(0).port());
        assertEquals("10.0.0.1", r.workloads().get(0).address());
        assertEquals("v1", r.workloads().get(0).labels().get("version"));
        assertEquals(List.of(RegistryChange.FULL), changes, "a new service is a full push");
    }

    @Test
    void secondWorkloadOfAKnownServiceIsAnEndpointOnlyChange() {
        adapter.connected(reviews("v1", "10.0.0.1"));
        adapter.connected(reviews("v2", "10.0.0.2"));

        assertEquals(RegistryChange.endpoints(Set.of("reviews.default.svc.cluster.local")), changes.get(1));
        assertEquals(2, adapter.registry().workloads().size());
    }

    @Test
    void keepsTheWorkloadDuringTheGracePeriodAndDropsItAfter() {
        ProxyNode v1 = reviews("v1", "10.0.0.1");
        adapter.connected(v1);
        adapter.disconnected(v1.id());

        now.addAndGet(Duration.ofSeconds(9).toNanos());
        adapter.expire();
        assertEquals(1, adapter.registry().workloads().size());

        now.addAndGet(Duration.ofSeconds(1).toNanos());
        adapter.expire();
        assertTrue(adapter.registry().workloads().isEmpty());
        assertTrue(adapter.registry().services().isEmpty());
    }

    @Test
    void aReconnectWithinTheGracePeriodKeepsTheWorkload() {
        ProxyNode v1 = reviews("v1", "10.0.0.1");
        adapter.connected(v1);
        adapter.connected(v1);
        adapter.disconnected(v1.id());
        now.addAndGet(Duration.ofMinutes(5).toNanos());
        adapter.expire();
        assertEquals(1, adapter.registry().workloads().size(), "one stream is still open");

        adapter.disconnected(v1.id());
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        adapter.connected(v1);
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        adapter.expire();
        assertEquals(1, adapter.registry().workloads().size());
    }

    @Test
    void aReconnectWithTheSameMetadataIsNoChangeAndNewMetadataTouchesOldAndNewService() {
        ProxyNode v1 = reviews("v1", "10.0.0.1");
        adapter.connected(reviews("v2", "10.0.0.2"));
        adapter.connected(v1);
        adapter.disconnected(v1.id());
        adapter.connected(v1);
        assertEquals(2, changes.size(), "reconnecting with the same node changes nothing: " + changes);

        Map<String, String> relabelled = new java.util.TreeMap<>(v1.labels());
        relabelled.put("app", "ratings");
        adapter.connected(new ProxyNode(v1.id(), v1.type(), v1.ip(), v1.podName(), v1.namespace(), relabelled,
                v1.ports(), v1.serviceAccount(), v1.workloadName(), null));
        assertEquals(RegistryChange.FULL, changes.get(2), "ratings is a new service");
        assertEquals("ratings", adapter.registry().workloads().stream()
                .filter(w -> w.address().equals("10.0.0.1")).findFirst().orElseThrow().service());
        assertEquals(2, adapter.registry().workloads().size());
    }

    @Test
    void proxiesWithoutAppLabelAreNotRegistered() {
        adapter.connected(new ProxyNode("router~10.0.0.9~gw.istio-system~istio-system.svc.cluster.local",
                ProxyNode.Type.ROUTER, "10.0.0.9", "gw", "istio-system", Map.of("istio", "ingressgateway"),
                List.of(), "", "", null));

        assertTrue(adapter.registry().workloads().isEmpty());
        assertTrue(changes.isEmpty());
    }

    @Test
    void staticFileAddsServicesOutsideTheMesh() {
        ServiceRegistry file = StaticRegistryFile.parse("""
                services:
                  - name: httpbin
                    namespace: external
                    ports: [{name: http, port: 8000}]
                    endpoints:
                      - address: 127.0.0.1
                        labels: {version: v1}
                        ports: {http: 18000}
                """);
        LocalAdapter withFile = new LocalAdapter(Duration.ofSeconds(10), now::get, file);

        assertEquals("httpbin.external.svc.cluster.local", withFile.registry().services().get(0).hostname());
        assertEquals(18000, withFile.registry().workloads().get(0).targetPort(withFile.registry().services().get(0).ports().get(0)));
        withFile.connected(reviews("v1", "10.0.0.1"));
        assertEquals(2, withFile.registry().services().size());
    }

    @Test
    void malformedStaticFileNamesTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StaticRegistryFile.parse("""
                services:
                  - name: httpbin
                    ports: [{name: http, port: 0}]
                """));

        assertEquals("services[0].ports[0].port: 0 (expected: 1..65535)", e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }
}
