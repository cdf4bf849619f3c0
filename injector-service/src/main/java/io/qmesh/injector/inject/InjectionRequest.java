package io.qmesh.injector.inject;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Objects;

/**
 * The input of {@link Injector#inject}: a pod, the namespace it is created in (admission requests
 * often carry pods without {@code metadata.namespace}) and, for {@code kube-inject}, the workload
 * that owns the pod template. A null workload is derived from the pod's owner references.
 */
public record InjectionRequest(Pod pod, String namespace, Workload workload) {

    public InjectionRequest {
        Objects.requireNonNull(pod, "pod");
        if (namespace == null || namespace.isEmpty()) {
            namespace = pod.getMetadata() != null && pod.getMetadata().getNamespace() != null
                    ? pod.getMetadata().getNamespace() : "default";
        }
    }

    public static InjectionRequest of(Pod pod, String namespace) {
        return new InjectionRequest(pod, namespace, null);
    }
}
