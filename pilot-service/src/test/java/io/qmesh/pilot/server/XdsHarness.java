package io.qmesh.pilot.server;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.qmesh.pilot.adapter.local.LocalAdapter;
import io.qmesh.pilot.model.ServiceRegistry;
import io.qmesh.pilot.model.istio.IstioConfig;
import io.qmesh.pilot.xds.Debouncer;
import io.qmesh.pilot.xds.MeshState;
import io.qmesh.pilot.xds.PushScheduler;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real ADS server on a loopback port chosen by the OS, with a fake clock and a push scheduler that
 * only pushes when the test calls {@link #tick()}: every push in a stream test is deliberate.
 */
final class XdsHarness implements AutoCloseable {
    final AtomicLong clock = new AtomicLong();
    final List<IstioConfig> rules = new CopyOnWriteArrayList<>();
    final LocalAdapter adapter = new LocalAdapter(Duration.ofSeconds(30), clock::get, ServiceRegistry.EMPTY);
    final MeshState state = new MeshState(List.of(adapter), () -> new ArrayList<>(rules));
    final AdsService ads = new AdsService(state, adapter, System::currentTimeMillis);
    final PushScheduler scheduler;
    private final Server server;
    final ManagedChannel channel;

    XdsHarness(Duration quiet, Duration max) throws IOException {
        scheduler = new PushScheduler(new Debouncer(quiet, max), clock::get, null, ads::push);
        adapter.onChange(scheduler::onChange);
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(ads).build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    }

    void tick() {
        scheduler.tick();
    }

    void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
