package io.qmesh.pilot.adapter.kubernetes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.qmesh.pilot.model.istio.ConfigKey;
import io.qmesh.pilot.model.istio.ConfigKind;
import io.qmesh.pilot.rules.CheckedDocument;
import io.qmesh.pilot.rules.RuleStore;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Mirrors the rule custom resources into the {@link RuleStore}, which in Kubernetes mode is a cache of
 * the API server rather than the source of truth. One informer per {@link ConfigKind} (so a kind added
 * to that table is watched with no change here), on the kind's first API version: the API server
 * serves every stored object at every version of a CRD, so {@code v1} sees objects written as
 * {@code v1alpha3} too. Each object goes through the REST API's own codec and validator; one that is
 * invalid (written while the validating webhook was not called, fail-open) is left out with a warning
 * that names the field, as istiod skips invalid config, and never breaks the push.
 */
public final class KubernetesRuleWatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KubernetesRuleWatcher.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final RuleStore store;
    private final Duration resync;
    private final List<Watch<GenericKubernetesResource>> watches = new ArrayList<>();

    public KubernetesRuleWatcher(KubernetesClient client, RuleStore store, Duration resync) {
        this.client = client;
        this.store = store;
        this.resync = resync;
    }

    /** The API coordinates pilot watches a kind at. */
    public static ResourceDefinitionContext context(ConfigKind kind) {
        return new ResourceDefinitionContext.Builder()
                .withGroup(kind.group()).withVersion(kind.versions().get(0)).withPlural(kind.plural())
                .withKind(kind.kind()).withNamespaced(true).build();
    }

    public synchronized KubernetesRuleWatcher start() {
        for (ConfigKind kind : ConfigKind.values()) {
            watches.add(new Watch<>(kind.plural() + "." + kind.group(),
                    client.genericKubernetesResources(context(kind)).inAnyNamespace(), resync,
                    (object, deleted) -> changed(kind, object, deleted)));
        }
        watches.forEach(Watch::start);
        return this;
    }

    public synchronized boolean synced() {
        return !watches.isEmpty() && watches.stream().allMatch(Watch::synced);
    }

    private void changed(ConfigKind kind, GenericKubernetesResource object, boolean deleted) {
        String namespace = object.getMetadata().getNamespace();
        ConfigKey key = new ConfigKey(kind, namespace, object.getMetadata().getName());
        if (deleted) {
            remove(key);
            return;
        }
        CheckedDocument checked = CheckedDocument.read(JSON.valueToTree(object), namespace);
        if (!checked.ok()) {
            LOG.warnf("ignoring %s", checked.rejection());
            remove(key);
            return;
        }
        store.write(List.of(RuleStore.Write.of(RuleStore.Op.APPLY, checked.config())));
    }

    private void remove(ConfigKey key) {
        // Events of one kind arrive on one informer thread, so nothing deletes the key in between.
        if (store.get(key).isPresent()) {
            store.write(List.of(RuleStore.Write.delete(key)));
        }
    }

    @Override
    public synchronized void close() {
        watches.forEach(Watch::close);
    }
}
