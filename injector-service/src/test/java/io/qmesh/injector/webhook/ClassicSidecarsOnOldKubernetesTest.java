package io.qmesh.injector.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.fabric8.kubernetes.client.VersionInfo;
import io.qmesh.injector.inject.JsonPatches;
import io.qmesh.injector.testing.GeneratedCertificates;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * With {@code injector.native-sidecars} unset, the injector asks the API server for its version at
 * startup, as Istio does: a Kubernetes 1.28 cluster gets classic sidecars (the proxy in
 * {@code containers}), byte for byte the classic golden.
 */
@QuarkusTest
@WithKubernetesTestServer(setup = ClassicSidecarsOnOldKubernetesTest.Kubernetes128.class)
@TestProfile(ClassicSidecarsOnOldKubernetesTest.ModeFromCluster.class)
class ClassicSidecarsOnOldKubernetesTest {

    public static class Kubernetes128 implements Consumer<KubernetesServer> {
        @Override
        public void accept(KubernetesServer server) {
            server.getKubernetesMockServer().setVersionInfo(
                    new VersionInfo.Builder().withMajor("1").withMinor("28").withGitVersion("v1.28.9").build());
        }
    }

    public static class ModeFromCluster implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("injector.native-sidecars", "");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(GeneratedCertificates.class));
        }
    }

    @TestHTTPResource(value = "/", tls = true)
    URI base;

    @ConfigProperty(name = "injector.certs.ca-bundle-file")
    String caBundleFile;

    @KubernetesTestServer
    KubernetesServer apiServer;

    @Test
    void olderClusterGetsClassicSidecars() throws Exception {
        JsonNode pod = AdmissionReviews.pod("existing-init-containers-classic");
        JsonNode patch = AdmissionReviews.patchOverHttps(base, caBundleFile, "uid-classic", pod);
        JsonNode golden = AdmissionReviews.golden("existing-init-containers-classic");
        assertEquals(golden, JsonPatches.apply(pod, patch));
        // The mode came from the version the API server reported, not from a timeout.
        assertEquals("/version", apiServer.getLastRequest().getPath());
    }
}
