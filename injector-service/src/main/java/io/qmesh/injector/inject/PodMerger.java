package io.qmesh.injector.inject;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Merges the rendered sidecar fragment into a copy of the pod.
 *
 * <ul>
 *   <li>labels and annotations: added when the pod does not set them (the pod's own values win)</li>
 *   <li>init containers: in native-sidecar mode the fragment's go first (capture rules, then the
 *       proxy), so the pod's own init containers already run inside the mesh; in classic mode they
 *       go last, because without a running proxy captured traffic from earlier init containers
 *       would have nowhere to go</li>
 *   <li>containers: the fragment's go first (classic mode: the proxy starts before the app)</li>
 *   <li>volumes and image pull secrets: appended, skipping names the pod already has</li>
 * </ul>
 */
final class PodMerger {

    private PodMerger() {
    }

    static Pod merge(Pod original, Pod fragment, boolean nativeSidecar) {
        Pod pod = PodCodec.copy(original);
        if (pod.getMetadata() == null) {
            pod.setMetadata(new ObjectMeta());
        }
        if (pod.getSpec() == null) {
            pod.setSpec(new PodSpec());
        }
        ObjectMeta meta = pod.getMetadata();
        ObjectMeta addedMeta = fragment.getMetadata() == null ? new ObjectMeta() : fragment.getMetadata();
        meta.setLabels(putAbsent(meta.getLabels(), addedMeta.getLabels()));
        meta.setAnnotations(putAbsent(meta.getAnnotations(), addedMeta.getAnnotations()));

        PodSpec spec = pod.getSpec();
        PodSpec added = fragment.getSpec() == null ? new PodSpec() : fragment.getSpec();
        List<Container> podInit = orEmpty(spec.getInitContainers());
        List<Container> sidecarInit = orEmpty(added.getInitContainers());
        spec.setInitContainers(nullIfEmpty(nativeSidecar
                ? concat(sidecarInit, podInit, Container::getName)
                : concat(podInit, sidecarInit, Container::getName)));
        spec.setContainers(concat(orEmpty(added.getContainers()), orEmpty(spec.getContainers()), Container::getName));
        spec.setVolumes(nullIfEmpty(concat(orEmpty(spec.getVolumes()), orEmpty(added.getVolumes()), Volume::getName)));
        spec.setImagePullSecrets(nullIfEmpty(concat(orEmpty(spec.getImagePullSecrets()),
                orEmpty(added.getImagePullSecrets()), LocalObjectReference::getName)));
        return pod;
    }

    private static Map<String, String> putAbsent(Map<String, String> existing, Map<String, String> added) {
        Map<String, String> result = new LinkedHashMap<>(existing == null ? Map.of() : existing);
        if (added != null) {
            added.forEach(result::putIfAbsent);
        }
        return result.isEmpty() ? null : result;
    }

    /** first ++ second, where an element of second is dropped if first has one with the same name. */
    private static <T> List<T> concat(List<T> first, List<T> second, Function<T, String> name) {
        List<T> result = new ArrayList<>(first);
        for (T item : second) {
            boolean duplicate = first.stream().anyMatch(f -> Objects.equals(name.apply(f), name.apply(item)));
            if (!duplicate) {
                result.add(item);
            }
        }
        return result;
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static <T> List<T> nullIfEmpty(List<T> list) {
        return list.isEmpty() ? null : list;
    }
}
