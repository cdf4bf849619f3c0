package io.qmesh.injector.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.qmesh.injector.config.MeshConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Invalid per-pod overrides are rejected with a message naming the annotation and the expectation. */
class InjectionValidationTest {

    private final Injector injector = new Injector(MeshConfig.defaults(), SidecarTemplate.builtIn());

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "sidecar.istio.io/proxyCPU|lots|metadata.annotations[sidecar.istio.io/proxyCPU]: lots (expected: a Kubernetes quantity like 100m, 2, 128Mi or 1Gi)",
        "sidecar.istio.io/proxyMemoryLimit|1GB|metadata.annotations[sidecar.istio.io/proxyMemoryLimit]: 1GB (expected: a Kubernetes quantity like 100m, 2, 128Mi or 1Gi)",
        "sidecar.istio.io/interceptionMode|IPVS|metadata.annotations[sidecar.istio.io/interceptionMode]: IPVS (expected: one of REDIRECT, TPROXY, NONE)",
        "sidecar.istio.io/logLevel|loud|metadata.annotations[sidecar.istio.io/logLevel]: loud (expected: one of trace, debug, info, warning, warn, error, critical, off)",
        "sidecar.istio.io/proxyImage|'bad image'|metadata.annotations[sidecar.istio.io/proxyImage]: 'bad image' (expected: an image reference without spaces)",
        "traffic.sidecar.istio.io/excludeOutboundIPRanges|10.0.0.0/33|metadata.annotations[traffic.sidecar.istio.io/excludeOutboundIPRanges]: 10.0.0.0/33 (expected: comma-separated CIDRs like 10.0.0.0/8; '10.0.0.0/33' is not one)",
        "traffic.sidecar.istio.io/includeOutboundIPRanges|db.internal|metadata.annotations[traffic.sidecar.istio.io/includeOutboundIPRanges]: db.internal (expected: * or comma-separated CIDRs like 10.0.0.0/8; 'db.internal' is not one)",
        "traffic.sidecar.istio.io/excludeInboundPorts|70000|metadata.annotations[traffic.sidecar.istio.io/excludeInboundPorts]: 70000 (expected: comma-separated ports 1-65535; '70000' is not one)",
        "traffic.sidecar.istio.io/includeInboundPorts|http|metadata.annotations[traffic.sidecar.istio.io/includeInboundPorts]: http (expected: * or comma-separated ports 1-65535; 'http' is not one)",
        "readiness.status.sidecar.istio.io/periodSeconds|-1|metadata.annotations[readiness.status.sidecar.istio.io/periodSeconds]: -1 (expected: an integer >= 0)",
        "sidecar.istio.io/nativeSidecar|maybe|metadata.annotations[sidecar.istio.io/nativeSidecar]: maybe (expected: true or false)",
        "sidecar.istio.io/inject|yes|metadata.annotations[sidecar.istio.io/inject]: yes (expected: true or false)",
    })
    void rejectsInvalidOverride(String annotation, String value, String expectedMessage) {
        Pod pod = new PodBuilder()
                .withNewMetadata().withName("p").withNamespace("default").addToAnnotations(annotation, value).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage("app:1").endContainer().endSpec()
                .build();
        InjectionException e = assertThrows(InjectionException.class, () -> injector.inject(InjectionRequest.of(pod, null)));
        assertEquals(expectedMessage, e.getMessage());
    }
}
