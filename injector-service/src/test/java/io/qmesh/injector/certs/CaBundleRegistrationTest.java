package io.qmesh.injector.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.qmesh.injector.inject.PodCodec;
import io.qmesh.injector.testing.GeneratedCertificates;
import io.qmesh.injector.testing.Tls;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The caBundle flow against the Fabric8 mock API server (CRUD mode): a webhook configuration
 * created after startup is patched with our generated CA; recreated or tampered, it is patched again.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(CaBundleRegistrationTest.Registration.class)
class CaBundleRegistrationTest {

    static final String NAME = "qmesh-sidecar-injector";

    public static class Registration implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("injector.registration.patch-ca-bundle", "true");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(GeneratedCertificates.class));
        }
    }

    @Inject
    KubernetesClient client;

    @ConfigProperty(name = "injector.certs.ca-bundle-file")
    String caBundleFile;

    @Test
    void patchesCaBundleAndRepatchesWhenRecreatedOrChanged() throws Exception {
        String expected = Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(caBundleFile)));
        var configs = client.admissionRegistration().v1().mutatingWebhookConfigurations();

        configs.resource(webhookConfiguration()).create();
        assertTrue(Tls.eventually(Duration.ofSeconds(10), () -> hasCaBundle(expected)), "patched after creation");

        configs.withName(NAME).delete();
        assertTrue(Tls.eventually(Duration.ofSeconds(10), () -> configs.withName(NAME).get() == null));
        configs.resource(webhookConfiguration()).create();
        assertTrue(Tls.eventually(Duration.ofSeconds(10), () -> hasCaBundle(expected)), "patched after re-creation");

        configs.withName(NAME).edit(c -> {
            c.getWebhooks().get(1).getClientConfig().setCaBundle(Base64.getEncoder().encodeToString("stale".getBytes()));
            return c;
        });
        assertTrue(Tls.eventually(Duration.ofSeconds(10), () -> hasCaBundle(expected)), "patched after tampering");
    }

    private boolean hasCaBundle(String expected) {
        MutatingWebhookConfiguration current = client.admissionRegistration().v1().mutatingWebhookConfigurations()
                .withName(NAME).get();
        return current != null && current.getWebhooks().size() == 2 && current.getWebhooks().stream()
                .allMatch(w -> expected.equals(w.getClientConfig().getCaBundle()));
    }

    /** The shipped manifest (two webhooks, as Istio installs them), which carries no caBundle. */
    static MutatingWebhookConfiguration webhookConfiguration() throws IOException {
        MutatingWebhookConfiguration config = PodCodec.YAML.readValue(
                Path.of("../deploy/06-webhook-injector.yaml").toFile(), MutatingWebhookConfiguration.class);
        assertEquals(NAME, config.getMetadata().getName());
        return config;
    }
}
