package io.qmesh.pilot.adapter.kubernetes;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.qmesh.pilot.model.Protocol;
import io.qmesh.pilot.model.ServicePort;
import io.qmesh.pilot.model.ServiceRegistry;
import io.qmesh.pilot.model.Workload;
import io.qmesh.pilot.xds.BookinfoMesh;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure mapping from Kubernetes objects to the model's registry. */
class KubernetesRegistryTest {
    private static Service service(String name, String clusterIp, String type) {
        return new ServiceBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withType(type).withClusterIP(clusterIp)
                .addNewPort().withName("web").withAppProtocol("http").withPort(80).withProtocol("TCP").endPort()
                .addNewPort().withName("grpc-api").withPort(9090).endPort()
                .addNewPort().withName("dns").withPort(53).withProtocol("UDP").endPort()
                .endSpec().build();
    }

    @Test
    void servicePortsFollowIstiosProtocolSelectionAndSkipUdp() {
        var s = KubernetesRegistry.service(service("api", "10.96.0.10", "ClusterIP"));
        assertEquals("api.default.svc.cluster.local", s.hostname());
        assertEquals("10.96.0.10", s.address());
        assertEquals(List.of(new ServicePort("web", 80, Protocol.HTTP), new ServicePort("grpc-api", 9090, Protocol.GRPC)), s.ports());
        assertEquals("", KubernetesRegistry.service(service("api", "None", "ClusterIP")).address(), "headless: no address");
        assertNull(KubernetesRegistry.service(service("api", null, "ExternalName")), "ExternalName services are not in the mesh");
    }

    @Test
    void legacyEndpointsGiveTheSameWorkloadsAsSlices() {
        Pod ready = BookinfoCluster.pod(BookinfoMesh.PROXIES.get("reviews-v1"));
        Pod notReady = BookinfoCluster.pod(BookinfoMesh.PROXIES.get("reviews-v2"));
        Endpoints endpoints = new EndpointsBuilder().withNewMetadata().withName("reviews").withNamespace("default").endMetadata()
                .addNewSubset()
                .addNewAddress().withIp("10.0.0.31").withNewTargetRef().withKind("Pod").withName(ready.getMetadata().getName()).endTargetRef().endAddress()
                .addNewNotReadyAddress().withIp("10.0.0.32").withNewTargetRef().withKind("Pod").withName(notReady.getMetadata().getName()).endTargetRef().endNotReadyAddress()
                .addNewAddress().withIp("10.0.0.99").withNewTargetRef().withKind("Pod").withName("not-seen-yet").endTargetRef().endAddress()
                .addNewAddress().withIp("192.168.1.1").endAddress()
                .addNewPort().withName("http").withPort(9080).withProtocol("TCP").endPort()
                .endSubset().build();
        Service reviews = new ServiceBuilder().withNewMetadata().withName("reviews").withNamespace("default").endMetadata()
                .withNewSpec().addNewPort().withName("http").withPort(9080).endPort().endSpec().build();

        ServiceRegistry r = KubernetesRegistry.build(List.of(reviews), EndpointGroup.of(endpoints), List.of(ready, notReady),
                ns -> true, "kubernetes");

        assertEquals(List.of("10.0.0.31", "192.168.1.1"), r.workloads().stream().map(Workload::address).sorted().toList(),
                "not-ready and not-yet-seen pods are not endpoints; an address without a pod is");
        Workload w = r.workloads().stream().filter(x -> x.address().equals("10.0.0.31")).findFirst().orElseThrow();
        assertEquals(Map.of("app", "reviews", "version", "v1"), w.labels());
        assertEquals("bookinfo-reviews", w.serviceAccount());
        assertEquals(9080, w.targetPort(new ServicePort("http", 9080, Protocol.HTTP)));
    }

    @Test
    void terminatingOrUnreadyPodsAreNotReady() {
        Pod pod = BookinfoCluster.pod(BookinfoMesh.PROXIES.get("ratings-v1"));
        assertTrue(KubernetesRegistry.ready(pod));
        assertFalse(KubernetesRegistry.ready(new PodBuilder(pod).editMetadata().withDeletionTimestamp("2026-12-01T00:00:00Z").endMetadata().build()));
        assertFalse(KubernetesRegistry.ready(new PodBuilder(pod).editStatus().editCondition(0).withStatus("False").endCondition().endStatus().build()));
    }

    @Test
    void aDiscoverySelectorKeepsOnlyMatchingNamespaces() {
        List<Namespace> namespaces = List.of(
                new NamespaceBuilder().withNewMetadata().withName("bookinfo").withLabels(Map.of("istio-discovery", "enabled")).endMetadata().build(),
                new NamespaceBuilder().withNewMetadata().withName("kube-system").endMetadata().build());
        var selected = KubernetesRegistry.selected(namespaces, Map.of("istio-discovery", "enabled"));
        assertTrue(selected.test("bookinfo"));
        assertFalse(selected.test("kube-system"));
        assertFalse(selected.test("unknown"));
    }
}
