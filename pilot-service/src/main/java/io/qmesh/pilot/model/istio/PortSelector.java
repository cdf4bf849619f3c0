package io.qmesh.pilot.model.istio;

/** Istio PortSelector: {@code number}. */
public record PortSelector(Integer number) {
}
