package io.qmesh.injector.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The sidecar mode Istio picks from the API server's version, asked of the Fabric8 mock server. */
class NativeSidecarSupportTest {

    KubernetesMockServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.destroy();
        }
    }

    @ParameterizedTest(name = "{0}.{1} -> native {2}")
    @CsvSource({"1, 28, false", "1, 29, true", "1, 30+, true", "1, 27+, false", "2, 0, true", "0, 99, false",
        "1, '', false", "'', 30, false"})
    void nativeFromKubernetes129(String major, String minor, boolean expected) {
        assertEquals(expected, NativeSidecarSupport.supported(major, minor));
    }

    @Test
    void asksTheApiServerForItsVersion() {
        server = new KubernetesMockServer(false);
        server.setVersionInfo(new VersionInfo.Builder().withMajor("1").withMinor("30+").withGitVersion("v1.30.2-gke.1").build());
        server.init();
        Optional<VersionInfo> version = NativeSidecarSupport.serverVersion(server.createClient(), Duration.ofSeconds(10));
        assertTrue(version.isPresent());
        assertEquals("1", version.get().getMajor());
        assertEquals("30+", version.get().getMinor());
    }

    @Test
    void unreachableApiServerGivesNoVersionWithinTheTimeout() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort(); // closed again before the client dials it
        }
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:" + closedPort).build()).build();
        long start = System.nanoTime();
        assertEquals(Optional.empty(), NativeSidecarSupport.serverVersion(client, Duration.ofSeconds(1)));
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "bounded by the timeout");
        client.close();
    }
}
