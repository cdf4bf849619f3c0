/**
 * Istio rules in and out: parsing YAML/JSON documents into {@code model.istio} records, validation with
 * exact field paths, cross-object warnings (like {@code istioctl analyze}), and the persistent,
 * all-or-nothing {@link io.qmesh.pilot.rules.RuleStore}. Depends on {@code model} only.
 */
package io.qmesh.pilot.rules;
