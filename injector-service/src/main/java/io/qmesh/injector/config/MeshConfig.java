package io.qmesh.injector.config;

import java.util.List;
import java.util.Objects;

/**
 * Everything the sidecar template needs to know about the mesh, as one immutable value.
 *
 * <p>Built from {@link InjectorConfig} in the application and directly in tests, so that
 * {@code inject(pod, config)} stays a pure function of its arguments.
 *
 * @param proxyImage image of the sidecar proxy, also used by the {@code istio-init} container
 * @param pilotAddress host:port of the control plane's xDS server (plaintext gRPC)
 * @param trustDomain SPIFFE trust domain, e.g. {@code cluster.local}
 * @param clusterId value of {@code ISTIO_META_CLUSTER_ID}
 * @param meshId value of {@code ISTIO_META_MESH_ID}
 * @param revision control-plane revision written into the status annotation
 * @param resources default proxy resources, overridable per pod by annotations
 * @param logLevel default proxy log level, overridable by {@code sidecar.istio.io/logLevel}
 * @param nativeSidecars true: the proxy is a native sidecar (an init container with
 *     {@code restartPolicy: Always}, Kubernetes >= 1.29); false: classic mode
 * @param interceptionMode default capture mode, REDIRECT or TPROXY
 * @param policy ENABLED injects every selected pod unless it opts out; DISABLED only pods that opt in
 * @param neverInjectSelectors pods matching any of these are not injected (unless they opt in explicitly)
 * @param alwaysInjectSelectors pods matching any of these are injected (unless they opt out explicitly)
 */
public record MeshConfig(
        String proxyImage,
        String pilotAddress,
        String trustDomain,
        String clusterId,
        String meshId,
        String revision,
        ProxyResources resources,
        String logLevel,
        boolean nativeSidecars,
        String interceptionMode,
        Policy policy,
        List<LabelSelectorExpression> neverInjectSelectors,
        List<LabelSelectorExpression> alwaysInjectSelectors) {

    public enum Policy { ENABLED, DISABLED }

    public MeshConfig {
        Objects.requireNonNull(proxyImage, "proxyImage");
        Objects.requireNonNull(pilotAddress, "pilotAddress");
        Objects.requireNonNull(resources, "resources");
        neverInjectSelectors = List.copyOf(neverInjectSelectors);
        alwaysInjectSelectors = List.copyOf(alwaysInjectSelectors);
        if (!interceptionMode.equals("REDIRECT") && !interceptionMode.equals("TPROXY")) {
            throw new IllegalArgumentException(
                    "injector.interception-mode: " + interceptionMode + " (expected: REDIRECT or TPROXY)");
        }
    }

    /** Proxy resource requests and limits as Kubernetes quantities; a null limit means "no limit". */
    public record ProxyResources(String cpuRequest, String memoryRequest, String cpuLimit, String memoryLimit) {
    }

    /** The defaults used by tests and by {@code kube-inject} when nothing is configured. */
    public static MeshConfig defaults() {
        return new MeshConfig(
                "ghcr.io/qmesh/proxy:0.1.0",
                "qmesh-pilot.qmesh-system.svc:15010",
                "cluster.local",
                "Kubernetes",
                "cluster.local",
                "default",
                new ProxyResources("100m", "128Mi", "2000m", "1024Mi"),
                "warning",
                true,
                "REDIRECT",
                Policy.ENABLED,
                List.of(),
                List.of());
    }

    public MeshConfig withNativeSidecars(boolean value) {
        return new MeshConfig(proxyImage, pilotAddress, trustDomain, clusterId, meshId, revision, resources,
                logLevel, value, interceptionMode, policy, neverInjectSelectors, alwaysInjectSelectors);
    }

    public MeshConfig withPolicy(Policy value, List<LabelSelectorExpression> never,
            List<LabelSelectorExpression> always) {
        return new MeshConfig(proxyImage, pilotAddress, trustDomain, clusterId, meshId, revision, resources,
                logLevel, nativeSidecars, interceptionMode, value, never, always);
    }

    public MeshConfig withProxyImage(String value) {
        return new MeshConfig(value, pilotAddress, trustDomain, clusterId, meshId, revision, resources,
                logLevel, nativeSidecars, interceptionMode, policy, neverInjectSelectors, alwaysInjectSelectors);
    }

    public MeshConfig withPilotAddress(String value) {
        return new MeshConfig(proxyImage, value, trustDomain, clusterId, meshId, revision, resources,
                logLevel, nativeSidecars, interceptionMode, policy, neverInjectSelectors, alwaysInjectSelectors);
    }

    public MeshConfig withInterceptionMode(String value) {
        return new MeshConfig(proxyImage, pilotAddress, trustDomain, clusterId, meshId, revision, resources,
                logLevel, nativeSidecars, value, policy, neverInjectSelectors, alwaysInjectSelectors);
    }
}
