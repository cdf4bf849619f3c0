package io.qmesh.cli.mesh;

import io.qmesh.cli.CliException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MeshPlanTest {
    @TempDir
    Path home;

    private MeshPlan plan() throws Exception {
        return plan(List.of());
    }

    private MeshPlan plan(List<String> appEnv) throws Exception {
        for (String m : List.of("pilot-service", "proxy-service", "bookinfo-demo/productpage", "bookinfo-demo/details",
                "bookinfo-demo/reviews", "bookinfo-demo/ratings")) {
            Path app = Files.createDirectories(home.resolve(m).resolve("target/quarkus-app/lib"));
            Files.writeString(app.getParent().resolve("quarkus-run.jar"), "jar of " + m);
            Files.writeString(app.resolve("dep.jar"), "dep");
        }
        return MeshPlan.bookinfo(home, home.resolve("run"), "127.9.8", List.of("-Xmx64m"), appEnv);
    }

    private static ProcessSpec named(MeshPlan plan, String name) {
        return plan.processes().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void eachWorkloadHasAPodIpForItsSidecarAndAnotherAddressForItsApp() throws Exception {
        MeshPlan plan = plan();
        assertEquals(14, plan.processes().size());
        ProcessSpec sidecar = named(plan, "reviews-v3-sidecar");
        ProcessSpec app = named(plan, "reviews-v3-app");
        assertEquals("127.9.8.16", sidecar.address());
        assertEquals("127.9.8.116", app.address());
        Map<String, String> env = sidecar.env();
        assertEquals("NONE", env.get("ISTIO_META_INTERCEPTION_MODE"));
        assertEquals("127.9.8.116", env.get("ISTIO_META_APP_ADDRESS"));
        assertEquals("{\"app\":\"reviews\",\"version\":\"v3\"}", env.get("ISTIO_METAJSON_LABELS"));
        assertEquals("127.9.8.1:15010", env.get("PROXY_PILOT_ADDRESS"));
        assertEquals("127.9.8.16", env.get("PROXY_ADMIN_HOST"));
        assertEquals("127.9.8.16:15001", app.env().get("BOOKINFO_OUTBOUND_PROXY"));
        assertEquals("v3", app.env().get("SERVICE_VERSION"));
        assertEquals("127.9.8.116", app.env().get("QUARKUS_HTTP_HOST"));
        assertEquals("reviews-v3.default", sidecar.proxyId());
        assertEquals("http://127.9.8.1:8080/productpage", plan.productpageUrl());
    }

    @Test
    void applicationsRunFromASnapshotOfHardLinksSoARebuildCannotBreakThem() throws Exception {
        MeshPlan plan = plan();
        ProcessSpec pilot = named(plan, "pilot");
        Path jar = Path.of(pilot.command().get(pilot.command().size() - 1));
        assertEquals(home.resolve("run/apps/pilot-service/quarkus-run.jar"), jar);
        assertTrue(Files.isSameFile(jar, home.resolve("pilot-service/target/quarkus-app/quarkus-run.jar"))
                || Files.readString(jar).equals("jar of pilot-service"));
        assertTrue(pilot.command().contains("-Dpilot.data-dir=" + home.resolve("run/pilot")));
        assertEquals("router", named(plan, "istio-ingressgateway").env().get("PROXY_NODE_TYPE"));
    }

    @Test
    void aSubnetMustBeThreeBytesOfLoopback() {
        CliException e = assertThrows(CliException.class, () -> MeshPlan.bookinfo(home, home, "10.0.0", List.of()));
        assertEquals("--subnet: \"10.0.0\" (expected: the first three bytes of a loopback /24, e.g. 127.0.0)", e.getMessage());
    }

    @Test
    void appEnvReachesOnlyTheNamedWorkloadsApp() throws Exception {
        MeshPlan plan = plan(List.of("reviews-v2:FAULT_MODE=error", "reviews-v2:X=a=b"));
        assertEquals("error", named(plan, "reviews-v2-app").env().get("FAULT_MODE"));
        assertEquals("a=b", named(plan, "reviews-v2-app").env().get("X"));
        assertEquals(null, named(plan, "reviews-v3-app").env().get("FAULT_MODE"));
        assertEquals(null, named(plan, "reviews-v2-sidecar").env().get("FAULT_MODE"));
    }

    @Test
    void appEnvNamesAKnownWorkloadAndAVariable() {
        for (String bad : List.of("reviews-v9:FAULT_MODE=error", "FAULT_MODE=error", "reviews-v2:=x", "reviews-v2:FAULT_MODE")) {
            CliException e = assertThrows(CliException.class, () -> plan(List.of(bad)));
            assertEquals("--app-env: \"" + bad + "\" (expected: WORKLOAD:NAME=VALUE with WORKLOAD one of productpage-v1, "
                    + "details-v1, ratings-v1, reviews-v1, reviews-v2, reviews-v3, e.g. reviews-v2:FAULT_MODE=error)", e.getMessage());
        }
    }
}
