package io.qmesh.injector.inject;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.qmesh.injector.config.MeshConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The data the sidecar template is rendered with: the pod (names, labels, annotations, ports), the
 * proxy settings after per-pod overrides, the mesh config and the {@code istio-init} arguments.
 * Every override annotation is validated here, so the template only ever sees valid values.
 *
 * @param pod facts about the pod being injected
 * @param proxy proxy container settings after overrides
 * @param mesh the mesh configuration
 * @param initArgs arguments of the {@code istio-init} container; empty in interception mode NONE
 * @param nativeSidecar whether the proxy becomes a native sidecar (init container, restartPolicy Always)
 */
public record SidecarValues(PodValues pod, ProxyValues proxy, MeshConfig mesh, List<String> initArgs,
        boolean nativeSidecar) {

    /** Facts about the pod; every string is non-null so the template needs no null checks. */
    public record PodValues(String name, String namespace, String serviceAccount, String workloadName,
            String owner, String canonicalName, String canonicalRevision, String portsJson,
            String appContainers, String defaultContainer, Map<String, String> labels,
            Map<String, String> annotations) {
    }

    /** Proxy settings; a limit is the empty string when there is none. */
    public record ProxyValues(String image, String cpuRequest, String memoryRequest, String cpuLimit,
            String memoryLimit, String logLevel, String interceptionMode, int readinessInitialDelaySeconds,
            int readinessPeriodSeconds, int readinessFailureThreshold) {

        public boolean tproxy() {
            return interceptionMode.equals("TPROXY");
        }
    }

    public static SidecarValues of(InjectionRequest request, MeshConfig mesh) {
        Pod pod = request.pod();
        ObjectMeta meta = pod.getMetadata() == null ? new ObjectMeta() : pod.getMetadata();
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : new TreeMap<>(meta.getLabels());
        Overrides overrides = new Overrides(meta.getAnnotations());
        Workload workload = request.workload() != null ? request.workload() : Workload.of(pod);

        List<Container> apps = pod.getSpec() == null || pod.getSpec().getContainers() == null
                ? List.of() : pod.getSpec().getContainers();
        List<String> appNames = apps.stream().map(Container::getName).toList();
        String serviceAccount = pod.getSpec() == null || pod.getSpec().getServiceAccountName() == null
                ? "default" : pod.getSpec().getServiceAccountName();

        PodValues podValues = new PodValues(
                Workload.podName(meta),
                request.namespace(),
                serviceAccount,
                workload.name(),
                workload.ownerUri(request.namespace()),
                firstPresent(labels, workload.name(), PodAnnotations.CANONICAL_NAME, "app.kubernetes.io/name", "app"),
                firstPresent(labels, "latest", PodAnnotations.CANONICAL_REVISION, "app.kubernetes.io/version", "version"),
                portsJson(apps),
                String.join(",", appNames),
                appNames.isEmpty() ? "" : appNames.get(0),
                labels,
                overrides.all());

        String mode = overrides.choice(PodAnnotations.INTERCEPTION_MODE, mesh.interceptionMode(),
                List.of("REDIRECT", "TPROXY", "NONE"));
        ProxyValues proxy = new ProxyValues(
                overrides.image(PodAnnotations.PROXY_IMAGE, mesh.proxyImage()),
                overrides.quantity(PodAnnotations.PROXY_CPU, mesh.resources().cpuRequest()),
                overrides.quantity(PodAnnotations.PROXY_MEMORY, mesh.resources().memoryRequest()),
                overrides.quantity(PodAnnotations.PROXY_CPU_LIMIT, nullToEmpty(mesh.resources().cpuLimit())),
                overrides.quantity(PodAnnotations.PROXY_MEMORY_LIMIT, nullToEmpty(mesh.resources().memoryLimit())),
                overrides.choice(PodAnnotations.LOG_LEVEL, mesh.logLevel(),
                        List.of("trace", "debug", "info", "warning", "warn", "error", "critical", "off")),
                mode,
                overrides.nonNegative(PodAnnotations.READINESS_INITIAL_DELAY, 0),
                overrides.nonNegative(PodAnnotations.READINESS_PERIOD, 15),
                overrides.nonNegative(PodAnnotations.READINESS_FAILURE_THRESHOLD, 4));
        boolean nativeSidecar = overrides.bool(PodAnnotations.NATIVE_SIDECAR, mesh.nativeSidecars());
        List<String> initArgs = mode.equals("NONE") ? List.of() : CaptureArgs.of(mode, overrides);
        return new SidecarValues(podValues, proxy, mesh, initArgs, nativeSidecar);
    }

    private static String firstPresent(Map<String, String> labels, String fallback, String... keys) {
        for (String key : keys) {
            String value = labels.get(key);
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return fallback;
    }

    /** {@code ISTIO_META_POD_PORTS}: the app containers' ports as a JSON array string. */
    private static String portsJson(List<Container> apps) {
        List<Map<String, Object>> ports = new ArrayList<>();
        for (Container container : apps) {
            if (container.getPorts() == null) {
                continue;
            }
            for (ContainerPort port : container.getPorts()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                if (port.getName() != null) {
                    entry.put("name", port.getName());
                }
                entry.put("containerPort", port.getContainerPort());
                entry.put("protocol", port.getProtocol() == null ? "TCP" : port.getProtocol());
                ports.add(entry);
            }
        }
        return PodCodec.toJson(ports);
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
