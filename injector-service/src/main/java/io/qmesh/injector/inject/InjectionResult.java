package io.qmesh.injector.inject;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * The outcome of {@link Injector#inject}: the (possibly unchanged) pod, whether a sidecar was
 * added and why, and the rendered template for the dry-run view (empty when skipped).
 */
public record InjectionResult(Pod pod, boolean injected, String reason, String renderedSidecar) {
}
