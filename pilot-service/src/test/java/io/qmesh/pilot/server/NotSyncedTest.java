package io.qmesh.pilot.server;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.qmesh.pilot.model.PlatformAdapter;
import io.qmesh.pilot.model.ProxyRegistrations;
import io.qmesh.pilot.model.RegistryChange;
import io.qmesh.pilot.model.ServiceRegistry;
import io.qmesh.pilot.model.SidecarScope;
import io.qmesh.pilot.xds.BookinfoMesh;
import io.qmesh.pilot.xds.MeshState;
import io.qmesh.pilot.xds.TypeUrls;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An adapter that has not listed its platform yet must not make pilot push an empty mesh: the ADS
 * stream is refused with UNAVAILABLE (the proxy retries, as with istiod) until a snapshot has been
 * built from synced sources, and the first response then holds the whole mesh.
 */
class NotSyncedTest {
    /** The bookinfo registry, withheld until {@link #synced} is set, as an informer before its first list. */
    private static final class SlowAdapter implements PlatformAdapter {
        volatile boolean synced;

        @Override
        public String name() {
            return "slow";
        }

        @Override
        public ServiceRegistry registry() {
            return synced ? BookinfoMesh.adapter().registry() : ServiceRegistry.EMPTY;
        }

        @Override
        public void onChange(Consumer<RegistryChange> listener) {
        }

        @Override
        public boolean synced() {
            return synced;
        }
    }

    @Test
    void aProxyIsRefusedUntilTheFirstSnapshotFromSyncedSources() throws Exception {
        SlowAdapter adapter = new SlowAdapter();
        MeshState state = new MeshState(List.of(adapter), List::of, () -> true, SidecarScope.MESH);
        AdsService ads = new AdsService(state, ProxyRegistrations.NONE, System::currentTimeMillis);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(ads).build().start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        try {
            ads.push(RegistryChange.FULL); // a push before the sync builds a snapshot that is not servable
            try (AdsClient early = new AdsClient(channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
                early.subscribe(TypeUrls.CLUSTER, List.of());
                assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(early.error()).getCode());
            }

            adapter.synced = true;
            try (AdsClient stillEarly = new AdsClient(channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
                stillEarly.subscribe(TypeUrls.CLUSTER, List.of());
                assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(stillEarly.error()).getCode(),
                        "synced, but no snapshot has been built from the synced registry yet");
            }

            ads.push(RegistryChange.FULL);
            try (AdsClient sidecar = new AdsClient(channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
                sidecar.subscribe(TypeUrls.CLUSTER, List.of());
                DiscoveryResponse cds = sidecar.next();
                List<String> names = cds.getResourcesList().stream().map(a -> {
                    try {
                        return a.unpack(io.envoyproxy.envoy.config.cluster.v3.Cluster.class).getName();
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new AssertionError(e);
                    }
                }).toList();
                for (String service : List.of("productpage", "details", "reviews", "ratings")) {
                    assertTrue(names.contains("outbound|9080||" + service + ".default.svc.cluster.local"), names.toString());
                }
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
