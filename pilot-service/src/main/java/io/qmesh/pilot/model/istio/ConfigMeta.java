package io.qmesh.pilot.model.istio;

import java.util.Map;
import java.util.TreeMap;

/** The part of Kubernetes ObjectMeta that pilot keeps. {@code resourceVersion} is pilot's store version. */
public record ConfigMeta(String name, String namespace, Map<String, String> labels,
                         Map<String, String> annotations, String resourceVersion, String creationTimestamp) {
    public ConfigMeta {
        labels = labels == null ? Map.of() : Map.copyOf(new TreeMap<>(labels));
        annotations = annotations == null ? Map.of() : Map.copyOf(new TreeMap<>(annotations));
    }

    public ConfigMeta withStoreInfo(String version, String created) {
        return new ConfigMeta(name, namespace, labels, annotations, version, created);
    }
}
