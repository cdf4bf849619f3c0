/**
 * The webhook's serving certificate: generated with BouncyCastle when none is mounted
 * ({@link io.qmesh.injector.certs.CertificateAuthority}, {@link io.qmesh.injector.certs.ServingCertificates},
 * resolved before Quarkus starts by {@link io.qmesh.injector.certs.CertificateBootstrap}), reloaded by the
 * Quarkus TLS registry on rotation, and published to the API server as the caBundle of the
 * MutatingWebhookConfiguration ({@link io.qmesh.injector.certs.CaBundlePatcher}).
 */
package io.qmesh.injector.certs;
