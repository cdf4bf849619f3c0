package io.qmesh.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ServiceReference;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl apply -f deploy/}, then {@code -f deploy/bookinfo/}, then the samples with
 * {@code -n bookinfo}, against Fabric8's mock API server in CRUD mode, document by document in
 * kubectl's order. The mock server stores whatever it is sent, so what a real API server or the
 * controllers would refuse or leave broken is checked at each step: the namespace exists before its
 * objects, a CRD before its resources, and what an object refers to (ServiceAccount, ConfigMap,
 * Service port, webhook Service, selected pods) was applied earlier.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class MockApiServerApplyTest {

    static KubernetesMockServer server;
    static KubernetesClient client;

    private static final List<String> BUILT_IN_NAMESPACES = List.of("default", "kube-system", "kube-public");

    @Test
    void theWholeDirectoryAppliesInOrderThenBookinfoThenTheSamples() {
        int deploy = applyAll(Manifests.documents(Manifests.DEPLOY), null);
        int bookinfo = applyAll(Manifests.documents(Manifests.BOOKINFO), null);
        int samples = applyAll(Manifests.documents(Manifests.SAMPLES), "bookinfo");
        assertTrue(deploy >= 20 && bookinfo == 15 && samples >= 13, deploy + " " + bookinfo + " " + samples);

        assertEquals(3, client.apps().deployments().inNamespace("qmesh-system").list().getItems().size());
        assertEquals(6, client.apps().deployments().inNamespace("bookinfo").list().getItems().size());
        assertEquals("enabled", client.namespaces().withName("bookinfo").get().getMetadata().getLabels().get("istio-injection"));
        GenericKubernetesResource reviews = client.genericKubernetesResources("networking.istio.io/v1", "DestinationRule")
                .inNamespace("bookinfo").withName("reviews").get();
        assertNotNull(reviews, "the samples' DestinationRule is served by its CRD");
        // A second apply of everything changes nothing that matters and fails nowhere (kubectl apply is idempotent).
        assertEquals(deploy, applyAll(Manifests.documents(Manifests.DEPLOY), null));
    }

    @Test
    void anObjectBeforeItsNamespaceIsReported() {
        Manifests.Document account = Manifests.documents(Manifests.DEPLOY).stream()
                .filter(d -> d.kind().equals("ServiceAccount")).findFirst().orElseThrow();
        ObjectNode elsewhere = account.tree().deepCopy();
        ((ObjectNode) elsewhere.path("metadata")).put("namespace", "not-created-" + UUID.randomUUID());
        AssertionError error = assertThrows(AssertionError.class,
                () -> applyAll(List.of(new Manifests.Document(account.file(), account.index(), elsewhere)), null));
        assertTrue(error.getMessage().contains("does not exist yet"), error.getMessage());
    }

    /** Applies the documents in order, checking each against what is already there; returns how many. */
    private static int applyAll(List<Manifests.Document> documents, String defaultNamespace) {
        List<Map.Entry<Manifests.Document, HasMetadata>> applied = new ArrayList<>();
        for (Manifests.Document document : documents) {
            HasMetadata object = asObject(document);
            String namespace = object.getMetadata().getNamespace() != null ? object.getMetadata().getNamespace() : defaultNamespace;
            boolean namespaced = !(object instanceof io.fabric8.kubernetes.api.model.Namespace
                    || object instanceof CustomResourceDefinition || object instanceof ClusterRoleBinding
                    || object instanceof io.fabric8.kubernetes.api.model.rbac.ClusterRole
                    || object instanceof MutatingWebhookConfiguration || object instanceof ValidatingWebhookConfiguration);
            if (namespaced) {
                object.getMetadata().setNamespace(namespace);
                assertTrue(BUILT_IN_NAMESPACES.contains(namespace) || client.namespaces().withName(namespace).get() != null,
                        document + ": namespace " + namespace + " does not exist yet");
            }
            if (object instanceof GenericKubernetesResource) {
                String group = object.getApiVersion().substring(0, object.getApiVersion().indexOf('/'));
                assertTrue(client.apiextensions().v1().customResourceDefinitions().list().getItems().stream()
                        .anyMatch(crd -> crd.getSpec().getGroup().equals(group)
                                && crd.getSpec().getNames().getKind().equals(object.getKind())),
                        document + ": no CRD for " + object.getKind() + " yet");
            }
            checkReferences(document, object, namespace);
            client.resource(object).createOr(existing -> existing.update());
            applied.add(Map.entry(document, object));
        }
        // A Service or a PodDisruptionBudget may come before the pods it selects (bookinfo's do),
        // but once everything is applied each must select pods, and a Service's ports must exist.
        for (Map.Entry<Manifests.Document, HasMetadata> entry : applied) {
            checkSelector(entry.getKey(), entry.getValue(), entry.getValue().getMetadata().getNamespace());
        }
        return documents.size();
    }

    private static HasMetadata asObject(Manifests.Document document) {
        String apiVersion = document.apiVersion();
        if (apiVersion.contains(".istio.io/") || apiVersion.contains(".qmesh.io/")) {
            return StrictModel.SERIALIZATION.convertValue(document.tree(), GenericKubernetesResource.class);
        }
        KubernetesResource typed = StrictModel.parse(document);
        return (HasMetadata) typed;
    }

    private static void checkReferences(Manifests.Document document, HasMetadata object, String namespace) {
        if (object instanceof Deployment deployment) {
            PodTemplateSpec template = deployment.getSpec().getTemplate();
            assertTrue(template.getMetadata().getLabels().entrySet()
                    .containsAll(deployment.getSpec().getSelector().getMatchLabels().entrySet()), document + ": selector");
            String account = template.getSpec().getServiceAccountName();
            assertNotNull(account, document + ": serviceAccountName");
            assertNotNull(client.serviceAccounts().inNamespace(namespace).withName(account).get(),
                    document + ": ServiceAccount " + account + " is applied later or not at all");
            for (Volume volume : template.getSpec().getVolumes()) {
                if (volume.getConfigMap() != null && !Boolean.TRUE.equals(volume.getConfigMap().getOptional())) {
                    assertNotNull(client.configMaps().inNamespace(namespace).withName(volume.getConfigMap().getName()).get(),
                            document + ": ConfigMap " + volume.getConfigMap().getName());
                }
                if (volume.getSecret() != null) {
                    assertEquals(Boolean.TRUE, volume.getSecret().getOptional(), document + ": Secret volumes are optional (cert-manager)");
                }
            }
        }
        if (object instanceof ClusterRoleBinding binding) {
            assertNotNull(client.rbac().clusterRoles().withName(binding.getRoleRef().getName()).get(), document + ": roleRef");
            binding.getSubjects().forEach(s -> assertNotNull(
                    client.serviceAccounts().inNamespace(s.getNamespace()).withName(s.getName()).get(), document + ": subject " + s.getName()));
        }
        if (object instanceof MutatingWebhookConfiguration mutating) {
            mutating.getWebhooks().forEach(w -> webhookService(document, w.getClientConfig().getService()));
        }
        if (object instanceof ValidatingWebhookConfiguration validating) {
            validating.getWebhooks().forEach(w -> webhookService(document, w.getClientConfig().getService()));
        }
    }

    private static void checkSelector(Manifests.Document document, HasMetadata object, String namespace) {
        if (object instanceof Service service && service.getSpec().getSelector() != null) {
            List<Container> containers = podsSelectedBy(namespace, service.getSpec().getSelector());
            assertTrue(!containers.isEmpty(), document + ": selects no pods");
            service.getSpec().getPorts().forEach(port -> {
                IntOrString target = port.getTargetPort() != null ? port.getTargetPort() : new IntOrString(port.getPort());
                assertTrue(containers.stream().flatMap(c -> c.getPorts().stream()).anyMatch(p -> matches(p, target)),
                        document + ": targetPort " + target.getValue() + " of port " + port.getName() + " is no container port");
            });
        }
        if (object instanceof PodDisruptionBudget pdb) {
            assertTrue(!podsSelectedBy(namespace, pdb.getSpec().getSelector().getMatchLabels()).isEmpty(), document + ": selects no pods");
        }
    }

    private static void webhookService(Manifests.Document document, ServiceReference reference) {
        Service service = client.services().inNamespace(reference.getNamespace()).withName(reference.getName()).get();
        assertNotNull(service, document + ": webhook Service " + reference.getName());
        assertTrue(service.getSpec().getPorts().stream().anyMatch(p -> Objects.equals(p.getPort(), reference.getPort())),
                document + ": webhook Service port " + reference.getPort());
    }

    private static List<Container> podsSelectedBy(String namespace, Map<String, String> selector) {
        return client.apps().deployments().inNamespace(namespace).list().getItems().stream()
                .map(Deployment::getSpec).map(s -> s.getTemplate())
                .filter(t -> t.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                .flatMap(t -> t.getSpec().getContainers().stream()).toList();
    }

    private static boolean matches(ContainerPort port, IntOrString target) {
        return target.getStrVal() != null ? target.getStrVal().equals(port.getName())
                : Objects.equals(target.getIntVal(), port.getContainerPort());
    }
}
