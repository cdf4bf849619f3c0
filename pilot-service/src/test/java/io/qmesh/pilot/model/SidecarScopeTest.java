package io.qmesh.pilot.model;

import io.qmesh.pilot.model.istio.IstioConfig;
import io.qmesh.pilot.rules.RuleCodec;
import io.qmesh.pilot.xds.BookinfoMesh;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which services a sidecar sees under Istio-style egress hosts, and what its rules pull in. */
class SidecarScopeTest {
    private static final SidecarScope DEFAULT = SidecarScope.parse(List.of("./*", "istio-system/*", "qmesh-system/*"));

    /** Bookinfo in default, the gateway in istio-system, and httpbin and echo in namespace "other". */
    private static MeshSnapshot mesh(SidecarScope scope, List<IstioConfig> rules) {
        ServiceRegistry bookinfo = BookinfoMesh.adapter().registry();
        List<Service> services = new ArrayList<>(bookinfo.services());
        List<Workload> workloads = new ArrayList<>(bookinfo.workloads());
        for (String name : List.of("httpbin", "echo")) {
            services.add(new Service(name, "other", Hostnames.fqdn(name, "other"),
                    List.of(new ServicePort("http", 8000, Protocol.HTTP)), ""));
            workloads.add(new Workload(name + "-1", "other", name, "10.9.0." + name.length(),
                    List.of(new WorkloadPort("http", 8000, Protocol.HTTP)), Map.of("app", name), "", true, "test"));
        }
        return new MeshSnapshot(1, services, workloads, MeshRules.of(rules), scope);
    }

    private static List<String> visible(MeshSnapshot s, String proxy) {
        return s.scopedFor(BookinfoMesh.PROXIES.get(proxy)).services().stream().map(Service::hostname).toList();
    }

    @Test
    void aSidecarSeesItsNamespaceAndTheSystemNamespacesOnly() {
        MeshSnapshot s = mesh(DEFAULT, List.of());
        assertEquals(List.of("details.default.svc.cluster.local", "istio-ingressgateway.istio-system.svc.cluster.local",
                "productpage.default.svc.cluster.local", "ratings.default.svc.cluster.local",
                "reviews.default.svc.cluster.local"), visible(s, "productpage-v1"));
        assertEquals(7, s.scopedFor(BookinfoMesh.PROXIES.get("productpage-v1")).workloads().size(),
                "the workloads of the visible services only (not httpbin's and echo's)");
        assertEquals(7, visible(s, "ingressgateway").size(), "gateways are never scoped");
        assertEquals(7, visible(mesh(SidecarScope.MESH, List.of()), "productpage-v1").size(), "*/* is the whole mesh");
    }

    @Test
    void aVirtualServiceItImportsBringsItsDestinations() {
        String vs = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews-to-httpbin, namespace: default}
                spec:
                  hosts: [reviews]
                  http:
                  - mirror: {host: echo.other.svc.cluster.local}
                    route:
                    - destination: {host: httpbin.other.svc.cluster.local}
                """;
        IstioConfig rule = RuleCodec.read(0, RuleCodec.documents(vs).get(0), "default").config();
        List<String> seen = visible(mesh(DEFAULT, List.of(rule)), "productpage-v1");
        assertTrue(seen.contains("httpbin.other.svc.cluster.local"), seen.toString());
        assertTrue(seen.contains("echo.other.svc.cluster.local"), "mirror destinations too: " + seen);
    }

    @Test
    void explicitHostsAndOtherNamespacesSelectExactly() {
        SidecarScope scope = SidecarScope.parse(List.of("./*", "*/httpbin.other.svc.cluster.local"));
        List<String> seen = visible(mesh(scope, List.of()), "productpage-v1");
        assertTrue(seen.contains("httpbin.other.svc.cluster.local"));
        assertTrue(!seen.contains("echo.other.svc.cluster.local") && !seen.contains("istio-ingressgateway.istio-system.svc.cluster.local"), seen.toString());
    }

    private static IstioConfig rule(String yaml) {
        return RuleCodec.read(0, RuleCodec.documents(yaml).get(0), "default").config();
    }

    private static final String DEFAULT_SIDECAR = """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: default}
            spec:
              egress:
              - hosts: ["./*", "other/httpbin.other.svc.cluster.local"]
            """;

    @Test
    void aSidecarObjectInTheNamespaceReplacesTheDefault() {
        List<String> seen = visible(mesh(DEFAULT, List.of(rule(DEFAULT_SIDECAR))), "productpage-v1");
        assertEquals(List.of("details.default.svc.cluster.local", "httpbin.other.svc.cluster.local",
                "productpage.default.svc.cluster.local", "ratings.default.svc.cluster.local",
                "reviews.default.svc.cluster.local"), seen, "no istio-system (not listed), httpbin but not echo");
    }

    @Test
    void aSidecarInTheRootNamespaceIsTheMeshDefaultAndWorkloadSelectorsAreIgnored() {
        IstioConfig root = rule("""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: istio-system}
                spec:
                  egress:
                  - hosts: ["*/*"]
                """);
        IstioConfig selective = rule("""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: aaa-only-reviews, namespace: default}
                spec:
                  workloadSelector: {labels: {app: reviews}}
                  egress:
                  - hosts: ["./reviews.default.svc.cluster.local"]
                """);
        MeshSnapshot s = mesh(DEFAULT, List.of(root, selective));
        assertEquals(7, visible(s, "productpage-v1").size(), "the root Sidecar's */* applies to default");
        assertEquals("", s.scopeKey(BookinfoMesh.PROXIES.get("productpage-v1")), "mesh-wide: the shared translation");
        assertEquals(5, visible(mesh(DEFAULT, List.of(root, rule(DEFAULT_SIDECAR))), "productpage-v1").size(),
                "a namespace's own Sidecar wins over the root one");
    }

    @Test
    void sidecarValidationNamesTheFieldAndWarnsAboutWhatIsNotApplied() {
        IstioConfig bad = rule("""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default}
                spec:
                  workloadSelector: {labels: {app: reviews}}
                  egress:
                  - hosts: ["./*", "reviews"]
                """);
        var result = io.qmesh.pilot.rules.RuleValidator.validate(bad);
        assertEquals("spec.egress[0].hosts[1]: \"reviews\" (expected: <namespace>/<host>, e.g. ./*, istio-system/* "
                + "or */reviews.default.svc.cluster.local)", result.errors().get(0).toString());
        assertTrue(result.warnings().get(0).toString().startsWith("spec.workloadSelector: not supported"), result.warnings().toString());
    }

    @Test
    void aMalformedEgressHostNamesItsIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SidecarScope.parse(List.of("./*", "reviews")));
        assertTrue(e.getMessage().startsWith("hosts[1]: \"reviews\" (expected: <namespace>/<host>"), e.getMessage());
    }
}
