package io.qmesh.pilot.model.istio;

/** Istio Percent: {@code value} in [0, 100]. */
public record Percent(Double value) {
}
