package io.qmesh.injector.inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.qmesh.injector.config.MeshConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Sidecar injection as a pure, idempotent function: {@code inject(pod) -> injected pod}, given a
 * mesh config and a template fixed at construction. No I/O and no clock: the same pod always
 * yields the same result, and injecting an injected pod returns it unchanged (the status
 * annotation marks it). The webhook, kube-inject and the tests all call this one method.
 */
public final class Injector {

    /** Keys in insertion order (not sorted) and nulls kept: the shape Istio writes and tools read. */
    private static final ObjectMapper STATUS_JSON = new ObjectMapper();

    /** Distinct rendered fragments remembered; one per workload shape is typical. */
    private static final int FRAGMENT_CACHE_SIZE = 256;

    private final MeshConfig config;
    private final SidecarTemplate template;
    /**
     * Rendered fragment text -> parsed YAML tree. Pods of one workload render the same text and
     * YAML parsing is the costliest step of an injection, so it is memoized; a tree is never
     * handed out, only converted into a fresh Pod, so callers cannot change a cached entry.
     */
    private final Map<String, JsonNode> parsedFragments = Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, JsonNode> eldest) {
                    return size() > FRAGMENT_CACHE_SIZE;
                }
            });

    public Injector(MeshConfig config, SidecarTemplate template) {
        this.config = Objects.requireNonNull(config, "config");
        this.template = Objects.requireNonNull(template, "template");
    }

    public MeshConfig config() {
        return config;
    }

    /**
     * @throws InjectionException when an override annotation is invalid or the template does not
     *     render to a valid pod fragment; the message names the field and the expectation
     */
    public InjectionResult inject(InjectionRequest request) {
        InjectionDecision decision = InjectionPolicy.decide(request.pod(), request.namespace(), config);
        if (!decision.inject()) {
            return new InjectionResult(request.pod(), false, decision.reason(), "");
        }
        SidecarValues values = SidecarValues.of(request, config);
        String rendered = template.render(values);
        Pod fragment = parseFragment(rendered);
        Pod injected = PodMerger.merge(request.pod(), fragment, values.nativeSidecar());
        Map<String, String> annotations = injected.getMetadata().getAnnotations() == null
                ? new LinkedHashMap<>() : injected.getMetadata().getAnnotations();
        annotations.put(PodAnnotations.STATUS, statusAnnotation(fragment));
        injected.getMetadata().setAnnotations(annotations);
        return new InjectionResult(injected, true, decision.reason(), rendered);
    }

    private Pod parseFragment(String rendered) {
        try {
            JsonNode tree = parsedFragments.get(rendered);
            if (tree == null) {
                tree = PodCodec.YAML.readTree(rendered);
                parsedFragments.put(rendered, tree);
            }
            return PodCodec.JSON.treeToValue(tree, Pod.class);
        } catch (JsonProcessingException e) {
            throw new InjectionException("sidecar template " + template.source()
                    + " rendered invalid YAML: " + e.getOriginalMessage(), e);
        }
    }

    /** Istio's status annotation: what the injector added, so tools can find and remove it. */
    private String statusAnnotation(Pod fragment) {
        var spec = fragment.getSpec();
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("initContainers", names(spec.getInitContainers(), Container::getName));
        status.put("containers", names(spec.getContainers(), Container::getName));
        status.put("volumes", names(spec.getVolumes(), Volume::getName));
        status.put("imagePullSecrets", names(spec.getImagePullSecrets(), LocalObjectReference::getName));
        status.put("revision", config.revision());
        try {
            return STATUS_JSON.writeValueAsString(status);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Go marshals an empty slice of names as null; so do we, to stay byte-compatible with Istio. */
    private static <T> List<String> names(List<T> items, Function<T, String> name) {
        return items == null || items.isEmpty() ? null : items.stream().map(name).toList();
    }
}
