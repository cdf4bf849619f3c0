package io.qmesh.pilot.adapter.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.qmesh.pilot.model.istio.ConfigKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static io.qmesh.pilot.adapter.kubernetes.MockCluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rule kind the API server does not serve (404, CRD not installed) or will not list to pilot (403)
 * counts as synced and empty, so it cannot keep pilot unready; any other error is retried and the
 * kind stays unsynced, since an empty list there would be pushed as "every rule deleted".
 */
class WatchTest {
    @ParameterizedTest
    @CsvSource({"404, true", "403, true", "500, false"})
    void aMissingKindCountsAsSyncedAndEmptyOtherErrorsDoNot(int status, boolean synced) throws Exception {
        AtomicInteger requests = new AtomicInteger();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new Dispatcher() {
                    @Override
                    public MockResponse dispatch(RecordedRequest request) {
                        requests.incrementAndGet();
                        return new MockResponse().setResponseCode(status)
                                .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":" + status + "}");
                    }
                }, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        try (KubernetesClient client = server.createClient();
             Watch<?> watch = new Watch<>("sidecars", client.genericKubernetesResources(
                     KubernetesRuleWatcher.context(ConfigKind.SIDECAR)).inAnyNamespace(), Duration.ofMinutes(1),
                     (o, deleted) -> { }).start()) {
            if (synced) {
                eventually(Duration.ofSeconds(10), "synced after " + status, watch::synced);
                assertEquals(0, watch.list().size());
            } else {
                eventually(Duration.ofSeconds(10), "the list is retried", () -> requests.get() >= 2);
                assertFalse(watch.synced(), "a server error is not an empty list");
            }
            assertTrue(requests.get() >= 1);
        } finally {
            server.destroy();
        }
    }
}
