/**
 * Sidecar injection as a pure function: {@link io.qmesh.injector.inject.Injector#inject} decides
 * whether a pod is injected ({@link io.qmesh.injector.inject.InjectionPolicy}), validates the
 * override annotations ({@link io.qmesh.injector.inject.SidecarValues}), renders the Qute sidecar
 * template ({@link io.qmesh.injector.inject.SidecarTemplate}) and merges the fragment into the pod
 * ({@link io.qmesh.injector.inject.PodMerger}). {@link io.qmesh.injector.inject.JsonPatches} turns
 * the before/after pair into an RFC 6902 patch. No I/O, no Quarkus, no Kubernetes API calls here.
 */
package io.qmesh.injector.inject;
