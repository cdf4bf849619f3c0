package io.qmesh.proxy.xds;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.stats.StatsRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The ADS stream (state of the world, Envoy v3). Subscribes to CDS and LDS as wildcards, to EDS and
 * RDS by the names the accepted clusters and listeners reference. ACKs with the response's version
 * and nonce; NACKs with the last accepted version, the nonce and an error_detail naming the field.
 * On stream failure it reconnects with back-off; the last good config keeps serving meanwhile, and
 * on reconnect it reports its versions so the server can skip unchanged resources.
 */
public final class AdsClient {

    private static final Logger LOG = Logger.getLogger(AdsClient.class);

    private final ManagedChannel channel;
    private final Node node;
    private final XdsState state;
    private final ScheduledExecutorService scheduler;
    private final Backoff backoff;
    private final StatsRegistry stats;
    private final Map<String, Set<String>> subscribed = new HashMap<>();
    private final Map<String, String> nonces = new HashMap<>();
    private StreamObserver<DiscoveryRequest> requests;
    private boolean node_sent;
    private volatile boolean connected;
    private volatile boolean closed;
    private long streamId;

    public AdsClient(ManagedChannel channel, Node node, XdsState state, ScheduledExecutorService scheduler,
                     Backoff backoff, StatsRegistry stats) {
        this.channel = channel;
        this.node = node;
        this.state = state;
        this.scheduler = scheduler;
        this.backoff = backoff;
        this.stats = stats;
    }

    public synchronized void start() {
        openStream();
    }

    public boolean connected() {
        return connected;
    }

    private synchronized void openStream() {
        if (closed) {
            return;
        }
        long id = ++streamId;
        nonces.clear();
        node_sent = false;
        requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse response) {
                onResponse(id, response);
            }

            @Override
            public void onError(Throwable t) {
                onStreamEnd(id, t);
            }

            @Override
            public void onCompleted() {
                onStreamEnd(id, null);
            }
        });
        stats.inc("control_plane.stream_opened");
        XdsResources accepted = state.accepted();
        send(TypeUrls.CLUSTER, Set.of(), state.version(TypeUrls.CLUSTER), "", null);
        if (!accepted.referencedEndpoints().isEmpty()) {
            subscribed.put(TypeUrls.ENDPOINT, accepted.referencedEndpoints());
            send(TypeUrls.ENDPOINT, accepted.referencedEndpoints(), state.version(TypeUrls.ENDPOINT), "", null);
        }
        send(TypeUrls.LISTENER, Set.of(), state.version(TypeUrls.LISTENER), "", null);
        if (!accepted.referencedRoutes().isEmpty()) {
            subscribed.put(TypeUrls.ROUTE, accepted.referencedRoutes());
            send(TypeUrls.ROUTE, accepted.referencedRoutes(), state.version(TypeUrls.ROUTE), "", null);
        }
    }

    private synchronized void onResponse(long id, DiscoveryResponse response) {
        if (id != streamId || closed) {
            return;
        }
        connected = true;
        backoff.reset();
        String type = response.getTypeUrl();
        nonces.put(type, response.getNonce());
        Set<String> names = subscribed.getOrDefault(type, Set.of());
        try {
            state.apply(type, response.getResourcesList(), response.getVersionInfo());
            send(type, names, response.getVersionInfo(), response.getNonce(), null);
            LOG.debugf("ACK %s version %s", TypeUrls.shortName(type), response.getVersionInfo());
        } catch (InvalidConfigException e) {
            LOG.warnf("NACK %s version %s: %s", TypeUrls.shortName(type), response.getVersionInfo(), e.getMessage());
            send(type, names, state.version(type), response.getNonce(), e.getMessage());
            return;
        }
        XdsResources accepted = state.accepted();
        if (type.equals(TypeUrls.CLUSTER)) {
            resubscribe(TypeUrls.ENDPOINT, accepted.referencedEndpoints());
        } else if (type.equals(TypeUrls.LISTENER)) {
            resubscribe(TypeUrls.ROUTE, accepted.referencedRoutes());
        }
    }

    private void resubscribe(String type, Set<String> names) {
        Set<String> current = subscribed.getOrDefault(type, Set.of());
        if (!current.equals(names)) {
            subscribed.put(type, new TreeSet<>(names));
            send(type, names, state.version(type), nonces.getOrDefault(type, ""), null);
        }
    }

    private void send(String type, Set<String> names, String version, String nonce, String error) {
        DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder()
                .setTypeUrl(type)
                .setVersionInfo(version)
                .setResponseNonce(nonce)
                .addAllResourceNames(new TreeSet<>(names));
        if (!node_sent) {
            // Only the first request of a stream needs the node (xDS protocol).
            b.setNode(node);
            node_sent = true;
        }
        if (error != null) {
            b.setErrorDetail(Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(error));
            stats.inc("control_plane.nack_sent");
        }
        requests.onNext(b.build());
    }

    private synchronized void onStreamEnd(long id, Throwable t) {
        if (id != streamId || closed) {
            return;
        }
        connected = false;
        stats.inc("control_plane.stream_closed");
        long delay = backoff.nextDelayMillis();
        LOG.infof("ADS stream ended (%s); keeping the last good config, reconnecting in %d ms",
                t == null ? "completed" : t.getMessage(), delay);
        streamId++;
        scheduler.schedule(this::openStream, delay, TimeUnit.MILLISECONDS);
    }

    public synchronized void close() {
        closed = true;
        connected = false;
        if (requests != null) {
            try {
                requests.onCompleted();
            } catch (RuntimeException ignored) {
                // The stream may already be gone.
            }
        }
    }
}
