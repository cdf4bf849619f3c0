package io.qmesh.injector.inject;

/** The Istio label and annotation names the injector reads or writes. */
public final class PodAnnotations {

    public static final String INJECT = "sidecar.istio.io/inject";
    public static final String STATUS = "sidecar.istio.io/status";
    public static final String NATIVE_SIDECAR = "sidecar.istio.io/nativeSidecar";
    public static final String INTERCEPTION_MODE = "sidecar.istio.io/interceptionMode";
    public static final String PROXY_CPU = "sidecar.istio.io/proxyCPU";
    public static final String PROXY_MEMORY = "sidecar.istio.io/proxyMemory";
    public static final String PROXY_CPU_LIMIT = "sidecar.istio.io/proxyCPULimit";
    public static final String PROXY_MEMORY_LIMIT = "sidecar.istio.io/proxyMemoryLimit";
    public static final String PROXY_IMAGE = "sidecar.istio.io/proxyImage";
    public static final String LOG_LEVEL = "sidecar.istio.io/logLevel";
    public static final String INCLUDE_OUTBOUND_IP_RANGES = "traffic.sidecar.istio.io/includeOutboundIPRanges";
    public static final String EXCLUDE_OUTBOUND_IP_RANGES = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
    public static final String INCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/includeInboundPorts";
    public static final String EXCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/excludeInboundPorts";
    public static final String INCLUDE_OUTBOUND_PORTS = "traffic.sidecar.istio.io/includeOutboundPorts";
    public static final String EXCLUDE_OUTBOUND_PORTS = "traffic.sidecar.istio.io/excludeOutboundPorts";
    public static final String READINESS_INITIAL_DELAY = "readiness.status.sidecar.istio.io/initialDelaySeconds";
    public static final String READINESS_PERIOD = "readiness.status.sidecar.istio.io/periodSeconds";
    public static final String READINESS_FAILURE_THRESHOLD = "readiness.status.sidecar.istio.io/failureThreshold";
    public static final String DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container";

    public static final String CANONICAL_NAME = "service.istio.io/canonical-name";
    public static final String CANONICAL_REVISION = "service.istio.io/canonical-revision";

    private PodAnnotations() {
    }
}
