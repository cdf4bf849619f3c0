package io.qmesh.proxy.testing;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A small, real ADS server (grpc-java on a loopback port) serving hand-built resources, state of the
 * world. It records every request so tests can assert ACKs and NACKs.
 */
public final class FakeAdsServer implements AutoCloseable {

    private final Map<String, List<Message>> resources = new HashMap<>();
    private final Map<String, String> versions = new HashMap<>();
    private final List<Stream> streams = new CopyOnWriteArrayList<>();
    private final List<DiscoveryRequest> received = new CopyOnWriteArrayList<>();
    private final AtomicLong nonces = new AtomicLong();
    private Server server;
    private int port;

    public FakeAdsServer start() throws IOException {
        return start(0);
    }

    public synchronized FakeAdsServer start(int fixedPort) throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", fixedPort))
                .addService(new Service())
                .build()
                .start();
        port = server.getPort();
        return this;
    }

    public int port() {
        return port;
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    /** Replaces all resources of a type under a new version and pushes them to every connected proxy. */
    public synchronized void set(String typeUrl, String version, List<? extends Message> items) {
        resources.put(typeUrl, new ArrayList<>(items));
        versions.put(typeUrl, version);
        for (Stream s : streams) {
            s.push(typeUrl);
        }
    }

    public List<DiscoveryRequest> received() {
        return received;
    }

    /** NACKs received (requests carrying error_detail). */
    public List<DiscoveryRequest> nacks() {
        return received.stream().filter(DiscoveryRequest::hasErrorDetail).toList();
    }

    /** Kills the server and its streams (simulating a control-plane outage). */
    public synchronized void stop() throws InterruptedException {
        for (Stream s : streams) {
            s.fail();
        }
        streams.clear();
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    public int connectedStreams() {
        return streams.size();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private final class Service extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase
            implements BindableService {
        @Override
        public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> out) {
            Stream s = new Stream(out);
            streams.add(s);
            return s;
        }
    }

    private final class Stream implements StreamObserver<DiscoveryRequest> {
        private final StreamObserver<DiscoveryResponse> out;
        private final Map<String, Set<String>> names = new HashMap<>();
        private final Map<String, String> sentVersion = new HashMap<>();

        Stream(StreamObserver<DiscoveryResponse> out) {
            this.out = out;
        }

        @Override
        public void onNext(DiscoveryRequest req) {
            received.add(req);
            synchronized (FakeAdsServer.this) {
                String type = req.getTypeUrl();
                Set<String> requested = new TreeSet<>(req.getResourceNamesList());
                boolean namesChanged = !requested.equals(names.get(type));
                names.put(type, requested);
                if (req.hasErrorDetail()) {
                    return; // NACK: record, do not respond.
                }
                if (req.getResponseNonce().isEmpty() || namesChanged) {
                    push(type);
                }
            }
        }

        void push(String type) {
            if (!versions.containsKey(type) || !names.containsKey(type)) {
                return;
            }
            Set<String> wanted = names.get(type);
            DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder().setTypeUrl(type)
                    .setVersionInfo(versions.get(type)).setNonce(Long.toString(nonces.incrementAndGet()));
            for (Message m : resources.get(type)) {
                String name = nameOf(m);
                if (wanted.isEmpty() || wanted.contains(name)) {
                    b.addResources(Any.pack(m));
                }
            }
            sentVersion.put(type, versions.get(type));
            synchronized (this) {
                out.onNext(b.build());
            }
        }

        void fail() {
            try {
                out.onError(Status.UNAVAILABLE.withDescription("control plane going away").asRuntimeException());
            } catch (RuntimeException ignored) {
                // Already closed.
            }
        }

        @Override
        public void onError(Throwable t) {
            streams.remove(this);
        }

        @Override
        public void onCompleted() {
            streams.remove(this);
            try {
                out.onCompleted();
            } catch (RuntimeException ignored) {
                // Already closed.
            }
        }
    }

    static String nameOf(Message m) {
        var field = m.getDescriptorForType().findFieldByName("name");
        if (field == null) {
            field = m.getDescriptorForType().findFieldByName("cluster_name");
        }
        return (String) m.getField(field);
    }

    /** Polls a condition for up to 10 s (for asynchronous xDS delivery). */
    public static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
