package io.qmesh.pilot.adapter.kubernetes;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Switches pilot's ValidatingWebhookConfiguration from fail-open to fail-closed once pilot is ready,
 * as istiod does: the manifest installs it with {@code failurePolicy: Ignore}, so rules can be applied
 * before pilot first runs (nothing would answer the webhook) and a broken install cannot block every
 * rule write; once pilot serves, every webhook of the configuration gets {@code failurePolicy: Fail}
 * (and, when {@code caBundleFile} is set, that CA as its {@code caBundle}), so no invalid rule slips
 * past a briefly unreachable webhook. An informer on the one object re-patches it when it is created
 * later or re-applied from the manifest; {@link #reconcile()} (called periodically) retries a failed
 * patch. The API server does not call a webhook it cannot reach with a Fail policy at all, so a pilot
 * that goes away does block rule writes until it is back, the documented price of fail-closed.
 */
public final class WebhookPolicyPatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WebhookPolicyPatcher.class);
    static final String FAIL = "Fail";

    private final KubernetesClient client;
    private final String name;
    private final Optional<Path> caBundleFile;
    private final BooleanSupplier ready;
    private final Watch<ValidatingWebhookConfiguration> watch;

    public WebhookPolicyPatcher(KubernetesClient client, String name, Optional<Path> caBundleFile,
                                BooleanSupplier ready, Duration resync) {
        this.client = client;
        this.name = name;
        this.caBundleFile = caBundleFile;
        this.ready = ready;
        this.watch = new Watch<>("validatingwebhookconfiguration " + name,
                client.admissionRegistration().v1().validatingWebhookConfigurations().withName(name), resync,
                (config, deleted) -> {
                    if (!deleted) {
                        ensure(config);
                    }
                });
    }

    public WebhookPolicyPatcher start() {
        watch.start();
        return this;
    }

    /** Patches the configuration if pilot is ready and it is not fail-closed (with our CA) yet. */
    public void reconcile() {
        watch.list().forEach(this::ensure);
    }

    private void ensure(ValidatingWebhookConfiguration config) {
        if (!ready.getAsBoolean()) {
            return;
        }
        String caBundle = caBundle();
        if (caBundleFile.isPresent() && caBundle == null) {
            return; // fail-closed with a CA the API server cannot use would block every rule write
        }
        List<ValidatingWebhook> webhooks = config.getWebhooks() == null ? List.of() : config.getWebhooks();
        if (webhooks.stream().allMatch(w -> patched(w, caBundle))) {
            return;
        }
        try {
            client.admissionRegistration().v1().validatingWebhookConfigurations().withName(name).edit(current -> {
                if (current.getWebhooks() != null) {
                    for (ValidatingWebhook w : current.getWebhooks()) {
                        w.setFailurePolicy(FAIL);
                        if (caBundle != null && w.getClientConfig() != null) {
                            w.getClientConfig().setCaBundle(caBundle);
                        }
                    }
                }
                return current;
            });
            LOG.infof("ValidatingWebhookConfiguration %s: failurePolicy is now Fail (%d webhooks)", name, webhooks.size());
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot patch ValidatingWebhookConfiguration %s (retried): %s", name, e.getMessage());
        }
    }

    private static boolean patched(ValidatingWebhook w, String caBundle) {
        return FAIL.equals(w.getFailurePolicy())
                && (caBundle == null || (w.getClientConfig() != null && caBundle.equals(w.getClientConfig().getCaBundle())));
    }

    private String caBundle() {
        if (caBundleFile.isEmpty()) {
            return null;
        }
        try {
            return Base64.getEncoder().encodeToString(Files.readAllBytes(caBundleFile.get()));
        } catch (IOException e) {
            LOG.warnf("cannot read the webhook CA bundle %s: %s", caBundleFile.get(), e.getMessage());
            return null;
        }
    }

    @Override
    public void close() {
        watch.close();
    }
}
