package io.qmesh.injector.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.qmesh.injector.config.MeshConfig;
import io.qmesh.injector.inject.InjectionPolicy;
import io.qmesh.injector.inject.PodCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Istio's two-step selection, end to end: the API server calls the webhook only when the
 * selectors of the shipped {@code deploy/06-webhook-injector.yaml} match the
 * namespace and pod labels (evaluated here as the API server does), then the injector's
 * server-side re-check decides. A pod gets a sidecar only if both say yes.
 */
class WebhookSelectionTest {

    static final Path MANIFEST = Path.of("../deploy/06-webhook-injector.yaml");

    @ParameterizedTest(name = "namespace [{0}] pod labels [{1}] annotations [{2}] -> called {3}, injected {4}")
    @CsvSource(delimiter = '|', value = {
        // namespace labels        | pod labels                      | pod annotations                 | called | injected
        "istio-injection=enabled   |                                 |                                 | true   | true",
        "istio-injection=enabled   | sidecar.istio.io/inject=false   |                                 | false  | false",
        "istio-injection=enabled   | sidecar.istio.io/inject=true    |                                 | true   | true",
        "istio-injection=enabled   |                                 | sidecar.istio.io/inject=false   | true   | false",
        "                          | sidecar.istio.io/inject=true    |                                 | true   | true",
        "                          |                                 |                                 | false  | false",
        "                          |                                 | sidecar.istio.io/inject=true    | false  | false",
        "istio-injection=disabled  | sidecar.istio.io/inject=true    |                                 | false  | false",
        "istio-injection=disabled  |                                 |                                 | false  | false",
    })
    void selectsPodsLikeIstio(String namespaceLabels, String podLabels, String podAnnotations, boolean called,
            boolean injected) throws IOException {
        Map<String, String> nsLabels = labels(namespaceLabels);
        Pod pod = new PodBuilder().withNewMetadata().withName("app").withLabels(labels(podLabels))
                .withAnnotations(labels(podAnnotations)).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage("example/app:1").endContainer().endSpec()
                .build();

        List<String> matching = webhooks().stream()
                .filter(w -> matches(w.getNamespaceSelector(), nsLabels)
                        && matches(w.getObjectSelector(), pod.getMetadata().getLabels()))
                .map(MutatingWebhook::getName)
                .toList();
        assertTrue(matching.size() <= 1, "at most one webhook may call the injector for a pod: " + matching);
        assertEquals(called, matching.size() == 1, "webhooks matching: " + matching);

        boolean sidecar = called && InjectionPolicy.decide(pod, "apps", MeshConfig.defaults()).inject();
        assertEquals(injected, sidecar);
    }

    @Test
    void bothWebhooksCallTheInjectorOnPodCreation() throws IOException {
        for (MutatingWebhook webhook : webhooks()) {
            assertEquals("/inject", webhook.getClientConfig().getService().getPath(), webhook.getName());
            assertEquals(List.of("v1"), webhook.getAdmissionReviewVersions(), webhook.getName());
            assertEquals(List.of("CREATE"), webhook.getRules().get(0).getOperations(), webhook.getName());
            assertEquals(List.of("pods"), webhook.getRules().get(0).getResources(), webhook.getName());
        }
    }

    static List<MutatingWebhook> webhooks() throws IOException {
        return PodCodec.YAML.readValue(MANIFEST.toFile(), MutatingWebhookConfiguration.class).getWebhooks();
    }

    /** Kubernetes label selector semantics: every matchLabels entry and every expression must hold. */
    static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        Map<String, String> actual = labels == null ? Map.of() : labels;
        if (selector.getMatchLabels() != null && !selector.getMatchLabels().entrySet().stream()
                .allMatch(e -> e.getValue().equals(actual.get(e.getKey())))) {
            return false;
        }
        List<LabelSelectorRequirement> expressions = selector.getMatchExpressions() == null
                ? List.of() : selector.getMatchExpressions();
        return expressions.stream().allMatch(r -> switch (r.getOperator()) {
            case "In" -> actual.containsKey(r.getKey()) && r.getValues().contains(actual.get(r.getKey()));
            case "NotIn" -> !actual.containsKey(r.getKey()) || !r.getValues().contains(actual.get(r.getKey()));
            case "Exists" -> actual.containsKey(r.getKey());
            case "DoesNotExist" -> !actual.containsKey(r.getKey());
            default -> throw new IllegalArgumentException("operator " + r.getOperator());
        });
    }

    private static Map<String, String> labels(String text) {
        if (text == null || text.isBlank()) {
            return Map.of();
        }
        String[] pair = text.split("=", 2);
        return Map.of(pair[0].trim(), pair[1].trim());
    }
}
