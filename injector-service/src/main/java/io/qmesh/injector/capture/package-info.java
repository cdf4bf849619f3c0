/**
 * Traffic capture for the {@code istio-init} container: parses Istio's {@code istio-iptables} flags
 * ({@link io.qmesh.injector.capture.CaptureConfig}), turns them into iptables commands
 * ({@link io.qmesh.injector.capture.CaptureRules}) and installs them idempotently
 * ({@link io.qmesh.injector.capture.IptablesInstaller}). Runs without Quarkus, via
 * {@link io.qmesh.injector.capture.CaptureMain}. IPv4 only.
 */
package io.qmesh.injector.capture;
