package io.qmesh.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Every manifest of deploy/ and deploy/bookinfo/ parses strictly and holds what the mesh needs. */
class DeployManifestsTest {

    @Test
    void everyManifestParsesStrictlyIntoTheTypedModel() {
        int parsed = typed(Manifests.DEPLOY, KubernetesResource.class).size()
                + typed(Manifests.BOOKINFO, KubernetesResource.class).size();
        assertTrue(parsed > 30, "documents parsed: " + parsed);
    }

    @Test
    void anUnknownFieldOrAMisspelledKindFails() throws Exception {
        ObjectNode deployment = (ObjectNode) Manifests.YAML.readTree("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x, namespace: qmesh-system}
                spec:
                  selector: {matchLabels: {app: x}}
                  template:
                    metadata: {labels: {app: x}}
                    spec:
                      containers:
                      - name: x
                        image: x
                        readinessProbe: {httpGet: {path: /, port: 1}, periodSecond: 3}
                """);
        AssertionError unknown = assertThrows(AssertionError.class,
                () -> StrictModel.parse(new Manifests.Document(Path.of("x.yaml"), 0, deployment)));
        assertTrue(unknown.getMessage().contains("spec.template.spec.containers[0].readinessProbe.periodSecond"),
                unknown.getMessage());
        ObjectNode misspelled = (ObjectNode) Manifests.YAML.readTree("{apiVersion: v1, kind: ConfigMapp, metadata: {name: x}}");
        assertThrows(AssertionError.class, () -> StrictModel.parse(new Manifests.Document(Path.of("x.yaml"), 0, misspelled)));
    }

    @Test
    void filesAreNumberedInApplyOrderAndNamespacedObjectsNameTheirNamespace() {
        for (Path dir : List.of(Manifests.DEPLOY, Manifests.BOOKINFO)) {
            List<Path> files = Manifests.files(dir);
            files.forEach(f -> assertTrue(f.getFileName().toString().matches("[0-9]{2}-[a-z0-9.-]+\\.yaml"),
                    f + ": expected NN-name.yaml"));
            assertEquals("00-namespace.yaml", files.get(0).getFileName().toString());
            String namespace = Manifests.fileDocuments(files.get(0)).get(0).name();
            for (Manifests.Document d : Manifests.documents(dir)) {
                boolean clusterScoped = List.of("Namespace", "CustomResourceDefinition", "ClusterRole",
                        "ClusterRoleBinding", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
                        .contains(d.kind());
                assertEquals(clusterScoped ? null : namespace, d.namespace(), d + ": metadata.namespace");
            }
        }
        Manifests.files(Manifests.DEPLOY).stream().map(f -> f.getFileName().toString())
                .filter(f -> f.startsWith("01-"))
                .forEach(f -> assertTrue(f.matches("01-crd-[a-z]+\\.[a-z.]+\\.yaml"), f + ": expected 01-crd-<plural>.<group>.yaml"));
    }

    @Test
    void controlPlanePodsRunNonRootWithReadOnlyRootAndBoundedResources() {
        for (Deployment deployment : typed(Manifests.DEPLOY, Deployment.class)) {
            PodSpec pod = deployment.getSpec().getTemplate().getSpec();
            String name = deployment.getMetadata().getName();
            assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot(), name);
            assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType(), name);
            List<Container> containers = new ArrayList<>(pod.getInitContainers());
            containers.addAll(pod.getContainers());
            for (Container c : containers) {
                String where = name + "/" + c.getName();
                assertEquals(Boolean.TRUE, c.getSecurityContext().getReadOnlyRootFilesystem(), where);
                assertEquals(Boolean.FALSE, c.getSecurityContext().getAllowPrivilegeEscalation(), where);
                assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop(), where);
                assertTrue(c.getSecurityContext().getCapabilities().getAdd() == null
                        || c.getSecurityContext().getCapabilities().getAdd().isEmpty(),
                        where + ": NET_ADMIN/NET_RAW belong to the init container of injected pods only");
                if (pod.getContainers().contains(c)) {
                    assertNotNull(c.getReadinessProbe(), where + ": readinessProbe");
                    assertNotNull(c.getLivenessProbe(), where + ": livenessProbe");
                }
                for (String r : List.of("cpu", "memory")) {
                    assertNotNull(c.getResources().getRequests().get(r), where + ": requests." + r);
                    assertNotNull(c.getResources().getLimits().get(r), where + ": limits." + r);
                }
                assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")),
                        where + ": the JVM needs a writable /tmp on a read-only root");
            }
        }
    }

    @Test
    void theGatewayReportsItsPodLabelsToPilot() throws Exception {
        Deployment gateway = typed(Manifests.DEPLOY, Deployment.class).stream()
                .filter(d -> d.getMetadata().getName().equals("istio-ingressgateway")).findFirst().orElseThrow();
        Map<String, String> labels = new TreeMap<>(gateway.getSpec().getTemplate().getMetadata().getLabels());
        labels.remove("sidecar.istio.io/inject");
        EnvVar env = gateway.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getName().equals("ISTIO_METAJSON_LABELS")).findFirst().orElseThrow();
        assertEquals(labels, new TreeMap<>(Manifests.YAML.readValue(env.getValue(), Map.class)));
        assertEquals(List.of("proxy", "router"), gateway.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
    }

    @Test
    void rbacIsReadOnlyExceptTheTwoWebhookConfigurations() {
        for (ClusterRole role : typed(Manifests.DEPLOY, ClusterRole.class)) {
            for (PolicyRule rule : role.getRules()) {
                String where = role.getMetadata().getName() + " " + rule.getApiGroups() + " " + rule.getResources();
                assertFalse(rule.getResources().contains("*") || rule.getVerbs().contains("*")
                        || rule.getApiGroups().contains("*"), where + ": no wildcards");
                assertFalse(rule.getResources().contains("secrets") || rule.getResources().contains("configmaps"), where);
                List<String> writes = rule.getVerbs().stream().filter(v -> !List.of("get", "list", "watch").contains(v)).toList();
                if (!writes.isEmpty()) {
                    assertEquals(List.of("patch"), writes, where);
                    assertEquals(1, rule.getResourceNames().size(), where + ": writes only its own object");
                }
            }
        }
        ClusterRole injector = typed(Manifests.DEPLOY, ClusterRole.class).stream()
                .filter(r -> r.getMetadata().getName().equals("qmesh-injector")).findFirst().orElseThrow();
        MutatingWebhookConfiguration mutating = typed(Manifests.DEPLOY, MutatingWebhookConfiguration.class).get(0);
        assertEquals(List.of(mutating.getMetadata().getName()), injector.getRules().get(0).getResourceNames());
        ClusterRole pilot = typed(Manifests.DEPLOY, ClusterRole.class).stream()
                .filter(r -> r.getMetadata().getName().equals("qmesh-pilot")).findFirst().orElseThrow();
        ValidatingWebhookConfiguration validating = typed(Manifests.DEPLOY, ValidatingWebhookConfiguration.class).get(0);
        assertTrue(pilot.getRules().stream().anyMatch(r -> r.getResources().contains("validatingwebhookconfigurations")
                && r.getResourceNames().equals(List.of(validating.getMetadata().getName()))));
    }

    @Test
    void pilotCanReadEveryRuleResourceItValidates() {
        ClusterRole pilot = typed(Manifests.DEPLOY, ClusterRole.class).stream()
                .filter(r -> r.getMetadata().getName().equals("qmesh-pilot")).findFirst().orElseThrow();
        ValidatingWebhookConfiguration validating = typed(Manifests.DEPLOY, ValidatingWebhookConfiguration.class).get(0);
        assertEquals("Ignore", validating.getWebhooks().get(0).getFailurePolicy(), "installed fail-open");
        validating.getWebhooks().get(0).getRules().forEach(rule -> rule.getResources().forEach(resource ->
                assertTrue(pilot.getRules().stream().anyMatch(r -> r.getApiGroups().equals(rule.getApiGroups())
                        && r.getResources().contains(resource) && r.getVerbs().containsAll(List.of("list", "watch"))),
                        rule.getApiGroups() + " " + resource)));
        // and every CRD in deploy/ is validated and readable
        for (var crd : typed(Manifests.DEPLOY, io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class)) {
            String group = crd.getSpec().getGroup();
            String plural = crd.getSpec().getNames().getPlural();
            assertTrue(validating.getWebhooks().get(0).getRules().stream()
                    .anyMatch(r -> r.getApiGroups().contains(group) && r.getResources().contains(plural)), plural + "." + group);
        }
    }

    /** Parsed once per directory: the strict walk over the CRDs' schemas is the slow part. */
    private static final Map<Path, List<KubernetesResource>> PARSED = new ConcurrentHashMap<>();

    static <T extends KubernetesResource> List<T> typed(Path dir, Class<T> type) {
        return PARSED.computeIfAbsent(dir, d -> Manifests.documents(d).stream().map(StrictModel::parse).toList())
                .stream().filter(type::isInstance).map(type::cast).toList();
    }
}
