/**
 * Istio's {@code networking.istio.io/v1} API objects as immutable records whose component names are the
 * API's JSON field names, so a data-binding library can read Istio's own YAML files into them unchanged.
 * They live in the model because a {@link io.qmesh.pilot.model.MeshSnapshot} carries the rules; parsing
 * and validation are the {@code rules} package's job. qmesh's own {@code policy.qmesh.io/v1alpha1}
 * policies ({@link io.qmesh.pilot.model.istio.RateLimitPolicy}) live here too, as the same kind of record. Optional fields are nullable boxed types so that
 * "absent" and "zero" stay different, as they are in Istio.
 */
package io.qmesh.pilot.model.istio;
