package io.qmesh.injector.certs;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.qmesh.injector.config.InjectorConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Keeps the {@code caBundle} of our MutatingWebhookConfiguration equal to the CA that signed the
 * serving certificate, as istiod does: the API server only calls a webhook whose certificate it
 * can verify. An informer watches the object, so a configuration that is created later, recreated
 * (e.g. by {@code kubectl apply} of a manifest without caBundle) or tampered with is patched again;
 * the periodic resync retries failed patches and picks up a rotated mounted {@code ca.crt}.
 */
@ApplicationScoped
public class CaBundlePatcher {

    private static final Logger LOG = Logger.getLogger(CaBundlePatcher.class);

    private final KubernetesClient client;
    private final InjectorConfig config;
    private volatile SharedIndexInformer<MutatingWebhookConfiguration> informer;

    public CaBundlePatcher(KubernetesClient client, InjectorConfig config) {
        this.client = client;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        if (!config.registration().patchCaBundle()) {
            LOG.info("caBundle patching is disabled (injector.registration.patch-ca-bundle=false)");
            return;
        }
        if (config.certs().caBundleFile().isEmpty()) {
            LOG.info("no CA bundle file (mounted certificate without ca.crt): the caBundle is left to its owner");
            return;
        }
        String name = config.registration().webhookConfigurationName();
        informer = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(name)
                .runnableInformer(config.registration().resyncSeconds() * 1000L);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(MutatingWebhookConfiguration object) {
                ensureCaBundle(object);
            }

            @Override
            public void onUpdate(MutatingWebhookConfiguration oldObject, MutatingWebhookConfiguration newObject) {
                ensureCaBundle(newObject);
            }

            @Override
            public void onDelete(MutatingWebhookConfiguration object, boolean unknownFinalState) {
                LOG.infof("MutatingWebhookConfiguration %s deleted; will patch it again when it is recreated", name);
            }
        });
        // Non-blocking: the webhook must serve even while the API server is unreachable.
        informer.start().whenComplete((ignored, error) -> {
            if (error != null) {
                LOG.warnf("cannot watch MutatingWebhookConfiguration %s: %s", name, error.getMessage());
            }
        });
    }

    void stop(@Observes ShutdownEvent event) {
        if (informer != null) {
            informer.stop();
        }
    }

    /** Patches every webhook of {@code object} whose caBundle differs from ours; a no-op otherwise. */
    void ensureCaBundle(MutatingWebhookConfiguration object) {
        String name = object.getMetadata().getName();
        String expected;
        try {
            expected = Base64.getEncoder().encodeToString(
                    Files.readAllBytes(Path.of(config.certs().caBundleFile().orElseThrow())));
        } catch (IOException e) {
            LOG.errorf("cannot read the CA bundle %s: %s", config.certs().caBundleFile().orElseThrow(), e.getMessage());
            return;
        }
        List<MutatingWebhook> webhooks = object.getWebhooks() == null ? List.of() : object.getWebhooks();
        if (webhooks.stream().allMatch(w -> w.getClientConfig() != null && expected.equals(w.getClientConfig().getCaBundle()))) {
            return;
        }
        try {
            client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(name).edit(current -> {
                if (current.getWebhooks() != null) {
                    current.getWebhooks().stream().filter(w -> w.getClientConfig() != null)
                            .forEach(w -> w.getClientConfig().setCaBundle(expected));
                }
                return current;
            });
            LOG.infof("patched caBundle of MutatingWebhookConfiguration %s (%d webhooks)", name, webhooks.size());
        } catch (KubernetesClientException e) {
            // The next resync retries.
            LOG.warnf("cannot patch caBundle of MutatingWebhookConfiguration %s: %s", name, e.getMessage());
        }
    }
}
