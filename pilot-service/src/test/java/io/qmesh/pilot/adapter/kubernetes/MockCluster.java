package io.qmesh.pilot.adapter.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.qmesh.pilot.model.istio.ConfigKind;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Fabric8 mock API server in CRUD mode on a loopback port chosen by the OS, knowing pilot's rule
 * CRDs; {@link #client} writes to it directly (the test playing kubectl and the controllers), and
 * {@link #pilotClient} reaches it through a {@link CuttableProxy}, so a test can break pilot's watches.
 */
public final class MockCluster implements AutoCloseable {
    public final KubernetesMockServer server;
    public final KubernetesClient client;
    public final CuttableProxy proxy;
    public final KubernetesClient pilotClient;

    public MockCluster(boolean startCut) throws IOException {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(crds()), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
        proxy = new CuttableProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()), startCut);
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl(proxy.url())
                .withNamespace("default")
                .withWatchReconnectInterval(50)
                .withRequestRetryBackoffInterval(50)
                .build();
        pilotClient = new KubernetesClientBuilder().withConfig(config).build();
    }

    /** Every rule kind, at the version pilot watches, as the CRDs in deploy/ declare them. */
    public static List<CustomResourceDefinitionContext> crds() {
        return Arrays.stream(ConfigKind.values()).map(k -> new CustomResourceDefinitionContext.Builder()
                .withGroup(k.group()).withVersion(k.versions().get(0)).withPlural(k.plural()).withKind(k.kind())
                .withScope("Namespaced").build()).toList();
    }

    /** Polls {@code condition} every 10 ms until it holds; fails the test after {@code limit}. */
    public static void eventually(Duration limit, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                assertTrue(condition.getAsBoolean(), what + " within " + limit);
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        pilotClient.close();
        proxy.close();
        client.close();
        server.destroy();
    }
}
