package io.qmesh.pilot.adapter.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.WorkloadPort;
import io.qmesh.pilot.model.istio.ConfigKind;
import io.qmesh.pilot.xds.BookinfoMesh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bookinfo as a cluster holds it, the same mesh {@link BookinfoMesh} registers in local mode: the four
 * Services (and the ingress gateway's) with their {@code http} ports, one Pod per workload as its
 * Deployment would create it, and the EndpointSlices the endpoint-slice controller would write for them
 * (the mock server runs no controllers, so the test plays them). Rules are the files of deploy/samples.
 */
public final class BookinfoCluster {
    public static final Path SAMPLES = Path.of("../deploy/samples");

    private BookinfoCluster() {
    }

    /** Namespaces, Services, Pods and EndpointSlices for every proxy of {@link BookinfoMesh#PROXIES}. */
    public static void load(KubernetesClient c) {
        for (String ns : List.of("default", "istio-system")) {
            c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }
        Map<String, List<ProxyNode>> byService = new LinkedHashMap<>();
        for (ProxyNode p : BookinfoMesh.PROXIES.values()) {
            byService.computeIfAbsent(p.namespace() + "/" + p.serviceName(), k -> new ArrayList<>()).add(p);
            c.pods().resource(pod(p)).create();
        }
        byService.forEach((key, proxies) -> {
            ProxyNode first = proxies.get(0);
            WorkloadPort port = first.ports().get(0);
            c.services().resource(new ServiceBuilder().withNewMetadata().withName(first.serviceName())
                    .withNamespace(first.namespace()).endMetadata()
                    .withNewSpec().withSelector(Map.of("app", first.serviceName()))
                    .addNewPort().withName(port.name()).withPort(port.port()).withProtocol("TCP").endPort()
                    .endSpec().build()).create();
            setEndpoints(c, first.namespace(), first.serviceName(), proxies.stream().map(BookinfoCluster::pod).toList(), true);
        });
    }

    public static Pod pod(ProxyNode p) {
        WorkloadPort port = p.ports().get(0);
        return new PodBuilder().withNewMetadata().withName(p.podName()).withNamespace(p.namespace())
                .withLabels(p.labels()).endMetadata()
                .withNewSpec().withServiceAccountName(p.serviceAccount())
                .addNewContainer().withName(p.serviceName()).withImage("bookinfo/" + p.serviceName())
                .addNewPort().withName(port.name()).withContainerPort(port.port()).endPort().endContainer()
                .endSpec()
                .withNewStatus().withPodIP(p.ip()).withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                .build();
    }

    /** Writes the service's one EndpointSlice as the controller would: one endpoint per pod, ready or not. */
    public static void setEndpoints(KubernetesClient c, String ns, String service, List<Pod> pods, boolean ready) {
        var port = c.services().inNamespace(ns).withName(service).get().getSpec().getPorts().get(0);
        EndpointSlice slice = new EndpointSliceBuilder().withNewMetadata().withName(service + "-x7k2p").withNamespace(ns)
                .withLabels(Map.of(EndpointGroup.SERVICE_NAME_LABEL, service)).endMetadata()
                .withAddressType("IPv4")
                .withEndpoints(pods.stream().map(p -> new EndpointBuilder()
                        .withAddresses(p.getStatus().getPodIP())
                        .withNewConditions().withReady(ready).endConditions()
                        .withNewTargetRef().withKind("Pod").withName(p.getMetadata().getName()).withNamespace(ns).endTargetRef()
                        .build()).toList())
                .addNewPort().withName(port.getName()).withPort(port.getPort()).withProtocol("TCP").endPort()
                .build();
        c.discovery().v1().endpointSlices().resource(slice).createOr(NonDeletingOperation::update);
    }

    /** Creates or updates every document of the sample files, in order, in {@code default}. */
    public static List<GenericKubernetesResource> applySamples(KubernetesClient c, List<String> files) {
        List<GenericKubernetesResource> applied = new ArrayList<>();
        for (String f : files) {
            String yaml;
            try {
                yaml = Files.readString(SAMPLES.resolve(f));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (String doc : yaml.split("(?m)^---\\s*$")) {
                if (doc.isBlank()) {
                    continue;
                }
                GenericKubernetesResource r = c.getKubernetesSerialization().unmarshal(doc, GenericKubernetesResource.class);
                ConfigKind kind = ConfigKind.byKind(r.getKind()).orElseThrow();
                r.getMetadata().setNamespace("default");
                applied.add(c.genericKubernetesResources(KubernetesRuleWatcher.context(kind)).inNamespace("default")
                        .resource(r).createOr(NonDeletingOperation::update));
            }
        }
        return applied;
    }

    /** Deletes every rule object of every kind. */
    public static void deleteAllRules(KubernetesClient c) {
        for (ConfigKind kind : ConfigKind.values()) {
            c.genericKubernetesResources(KubernetesRuleWatcher.context(kind)).inAnyNamespace().delete();
        }
    }
}
