package io.qmesh.injector.inject;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.qmesh.injector.config.LabelSelectorExpression;
import io.qmesh.injector.config.MeshConfig;
import java.util.Map;
import java.util.Set;

/**
 * The server-side re-check of whether a pod should be injected, in Istio's order. The API server
 * already filtered by the webhook's namespace and object selectors; this check also protects
 * pods that reach the webhook some other way (kube-inject, a too-broad webhook configuration).
 *
 * <ol>
 *   <li>already injected (status annotation present) -> skip: injection is idempotent</li>
 *   <li>{@code hostNetwork: true} -> skip: capture rules would rewrite the node's own traffic</li>
 *   <li>system namespaces -> skip</li>
 *   <li>the {@code sidecar.istio.io/inject} label (preferred) or annotation, when present, decides</li>
 *   <li>the never-inject selectors, then the always-inject selectors</li>
 *   <li>the policy: ENABLED injects, DISABLED skips</li>
 * </ol>
 */
public final class InjectionPolicy {

    static final Set<String> IGNORED_NAMESPACES =
            Set.of("kube-system", "kube-public", "kube-node-lease", "local-path-storage");

    private InjectionPolicy() {
    }

    public static InjectionDecision decide(Pod pod, String namespace, MeshConfig config) {
        ObjectMeta meta = pod.getMetadata() == null ? new ObjectMeta() : pod.getMetadata();
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        Map<String, String> annotations = meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();

        if (annotations.containsKey(PodAnnotations.STATUS)) {
            return InjectionDecision.skip("already injected (" + PodAnnotations.STATUS + " is present)");
        }
        if (pod.getSpec() != null && Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
            return InjectionDecision.skip("spec.hostNetwork is true");
        }
        if (IGNORED_NAMESPACES.contains(namespace)) {
            return InjectionDecision.skip("namespace " + namespace + " is a system namespace");
        }
        String field = null;
        String explicit = null;
        if (labels.containsKey(PodAnnotations.INJECT)) {
            field = "metadata.labels[" + PodAnnotations.INJECT + "]";
            explicit = labels.get(PodAnnotations.INJECT);
        } else if (annotations.containsKey(PodAnnotations.INJECT)) {
            field = "metadata.annotations[" + PodAnnotations.INJECT + "]";
            explicit = annotations.get(PodAnnotations.INJECT);
        }
        if (explicit != null) {
            boolean wanted = parseBoolean(field, explicit);
            return wanted ? InjectionDecision.inject(field + " is " + explicit)
                    : InjectionDecision.skip(field + " is " + explicit);
        }
        for (LabelSelectorExpression selector : config.neverInjectSelectors()) {
            if (selector.matches(labels)) {
                return InjectionDecision.skip("labels match the never-inject selector '" + selector + "'");
            }
        }
        for (LabelSelectorExpression selector : config.alwaysInjectSelectors()) {
            if (selector.matches(labels)) {
                return InjectionDecision.inject("labels match the always-inject selector '" + selector + "'");
            }
        }
        return config.policy() == MeshConfig.Policy.ENABLED
                ? InjectionDecision.inject("injection policy is enabled")
                : InjectionDecision.skip("injection policy is disabled and the pod does not opt in");
    }

    /** Accepts what Go's strconv.ParseBool accepts, as Istio does, and rejects the rest clearly. */
    static boolean parseBoolean(String field, String value) {
        switch (value) {
            case "1", "t", "T", "true", "TRUE", "True" -> {
                return true;
            }
            case "0", "f", "F", "false", "FALSE", "False" -> {
                return false;
            }
            default -> throw new InjectionException(field + ": " + value + " (expected: true or false)");
        }
    }
}
