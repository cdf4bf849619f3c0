package io.qmesh.pilot.server;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.qmesh.pilot.model.ProxyNode;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A plain grpc-java ADS client that behaves like a sidecar, one request at a time, for stream tests. */
final class AdsClient implements AutoCloseable {
    private final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
    private final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    private final StreamObserver<DiscoveryRequest> requests;
    private final Node node;
    private boolean first = true;

    AdsClient(ManagedChannel channel, ProxyNode proxy) {
        this.node = node(proxy);
        this.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse value) {
                responses.add(value);
            }

            @Override
            public void onError(Throwable t) {
                errors.add(t);
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    static Node node(ProxyNode p) {
        Struct.Builder labels = Struct.newBuilder();
        p.labels().forEach((k, v) -> labels.putFields(k, Value.newBuilder().setStringValue(v).build()));
        StringBuilder ports = new StringBuilder("[");
        p.ports().forEach(port -> ports.append(ports.length() > 1 ? "," : "")
                .append("{\"name\":\"").append(port.name()).append("\",\"containerPort\":").append(port.port()).append("}"));
        ports.append(']');
        return Node.newBuilder().setId(p.id()).setMetadata(Struct.newBuilder()
                .putFields("NAME", Value.newBuilder().setStringValue(p.podName()).build())
                .putFields("NAMESPACE", Value.newBuilder().setStringValue(p.namespace()).build())
                .putFields("INSTANCE_IPS", Value.newBuilder().setStringValue(p.ip()).build())
                .putFields("LABELS", Value.newBuilder().setStructValue(labels).build())
                .putFields("POD_PORTS", Value.newBuilder().setStringValue(ports.toString()).build()))
                .build();
    }

    /** Sends a request; the first one carries the node, as Envoy does. */
    void request(String typeUrl, List<String> names, String version, String nonce, String error) {
        DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder().setTypeUrl(typeUrl).addAllResourceNames(names)
                .setVersionInfo(version).setResponseNonce(nonce);
        if (first) {
            b.setNode(node);
            first = false;
        }
        if (error != null) {
            b.setErrorDetail(Status.newBuilder().setCode(3).setMessage(error));
        }
        requests.onNext(b.build());
    }

    void subscribe(String typeUrl, List<String> names) {
        request(typeUrl, names, "", "", null);
    }

    void ack(DiscoveryResponse r, List<String> names) {
        request(r.getTypeUrl(), names, r.getVersionInfo(), r.getNonce(), null);
    }

    DiscoveryResponse next() throws InterruptedException {
        DiscoveryResponse r = responses.poll(10, TimeUnit.SECONDS);
        assertNotNull(r, "expected a response within 10s");
        return r;
    }

    DiscoveryResponse poll(Duration d) throws InterruptedException {
        return responses.poll(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asserts the server sends nothing for a while (the only way to observe "not resent"). */
    void assertNothingWithin(Duration d) throws InterruptedException {
        DiscoveryResponse r = responses.poll(d.toMillis(), TimeUnit.MILLISECONDS);
        assertNull(r, () -> "expected no response, got " + r.getTypeUrl() + " version " + r.getVersionInfo());
    }

    Throwable error() throws InterruptedException {
        return errors.poll(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        requests.onCompleted();
    }
}
