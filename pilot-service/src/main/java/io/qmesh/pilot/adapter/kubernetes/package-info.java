/**
 * The Kubernetes platform adapter ({@code pilot.platform=kubernetes}): Fabric8 informers on Services,
 * EndpointSlices (or Endpoints), Pods and Namespaces feed the same immutable registry the local adapter
 * builds ({@link io.qmesh.pilot.adapter.kubernetes.KubernetesAdapter}, the pure
 * {@link io.qmesh.pilot.adapter.kubernetes.KubernetesRegistry}); informers on every rule kind of
 * {@link io.qmesh.pilot.model.istio.ConfigKind} feed the rule store through the REST API's own codec
 * and validator ({@link io.qmesh.pilot.adapter.kubernetes.KubernetesRuleWatcher}); and
 * {@link io.qmesh.pilot.adapter.kubernetes.WebhookPolicyPatcher} switches pilot's validating webhook
 * to fail-closed once pilot is ready. It depends on {@code model} and {@code rules} only.
 */
package io.qmesh.pilot.adapter.kubernetes;
