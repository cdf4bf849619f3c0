/**
 * The admission webhook: {@link io.qmesh.injector.webhook.WebhookResource} (HTTP) and
 * {@link io.qmesh.injector.webhook.AdmissionPipeline} (the six steps of one AdmissionReview).
 * Decoding and encoding only; every injection decision is made in {@code io.qmesh.injector.inject}.
 */
package io.qmesh.injector.webhook;
