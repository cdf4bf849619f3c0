package io.qmesh.pilot.server;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.BindableService;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.ProxyRegistrations;
import io.qmesh.pilot.model.RegistryChange;
import io.qmesh.pilot.xds.ConfigCache;
import io.qmesh.pilot.xds.MeshState;
import io.qmesh.pilot.xds.ProxyNodes;
import io.qmesh.pilot.xds.ProxyResources;
import io.qmesh.pilot.xds.TypeUrls;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's Aggregated Discovery Service, state of the world. The protocol rules (envoy
 * {@code xds_protocol.rst}): a request with an empty nonce opens a subscription and is answered with the
 * full current state (so a reconnect gets everything); a request whose nonce is not the last one sent
 * for its type is stale and ignored; one with {@code error_detail} is a NACK, recorded and not answered
 * (the proxy keeps its previous config, and resending the same config would only be rejected again);
 * an ACK is answered only when it adds resource names. Pushes go out in CDS, EDS, LDS, RDS order and
 * only for types whose content changed for that proxy.
 *
 * <p>{@code implements BindableService} is spelled out because frameworks that scan for gRPC services
 * look for it on the class itself.
 */
public final class AdsService extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase
        implements BindableService {
    private static final Logger LOG = Logger.getLogger(AdsService.class.getName());

    private final MeshState state;
    private final ProxyRegistrations registrations;
    private final LongSupplier wallClock;
    private final ConfigCache cache = new ConfigCache();
    private final Map<String, ProxyConnection> connections = new ConcurrentHashMap<>();
    private final AtomicLong streams = new AtomicLong();
    private final AtomicLong staleRequests = new AtomicLong();
    private final Map<String, AtomicLong> pushesByType = new ConcurrentHashMap<>();

    public AdsService(MeshState state, ProxyRegistrations registrations, LongSupplier wallClock) {
        this.state = state;
        this.registrations = registrations;
        this.wallClock = wallClock;
    }

    @Override
    public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> out) {
        String streamId = Long.toString(streams.incrementAndGet());
        return new StreamObserver<>() {
            private ProxyConnection conn;

            @Override
            public void onNext(DiscoveryRequest request) {
                if (conn == null) {
                    conn = open(streamId, request, out);
                    if (conn == null) {
                        return;
                    }
                }
                handle(conn, request);
            }

            @Override
            public void onError(Throwable t) {
                close(conn);
            }

            @Override
            public void onCompleted() {
                close(conn);
                if (conn == null) {
                    out.onCompleted();
                    return;
                }
                synchronized (conn) {
                    out.onCompleted();
                }
            }
        };
    }

    private ProxyConnection open(String streamId, DiscoveryRequest first, StreamObserver<DiscoveryResponse> out) {
        if (!first.hasNode() || first.getNode().getId().isEmpty()) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("node: missing on the first request (expected: node with id and metadata)").asRuntimeException());
            return null;
        }
        if (!state.ready()) {
            // As istiod: a proxy is refused (and retries) rather than served a registry not yet listed.
            out.onError(Status.UNAVAILABLE.withDescription("pilot is not ready: its platform watches have not synced yet")
                    .asRuntimeException());
            return null;
        }
        ProxyNode node;
        try {
            node = ProxyNodes.fromEnvoy(first.getNode());
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return null;
        }
        MeshSnapshot snapshot = state.current();
        ProxyConnection conn = new ProxyConnection(streamId, node, out, cache.generate(snapshot, node), wallClock.getAsLong());
        connections.put(streamId, conn);
        // Registration changes the registry, which schedules a push; done outside any connection lock.
        registrations.connected(node);
        return conn;
    }

    private void close(ProxyConnection conn) {
        if (conn != null && connections.remove(conn.streamId) != null) {
            registrations.disconnected(conn.node.id());
        }
    }

    private void handle(ProxyConnection conn, DiscoveryRequest request) {
        String type = request.getTypeUrl();
        if (!TypeUrls.PUSH_ORDER.contains(type)) {
            return; // secrets and other types are not served; the proxy waits on them harmlessly
        }
        synchronized (conn) {
            ProxyConnection.TypeState ts = conn.state(type);
            String nonce = request.getResponseNonce();
            Set<String> names = new LinkedHashSet<>(request.getResourceNamesList());
            if (nonce.isEmpty()) {
                ts.subscribed = true;
                ts.names = new java.util.TreeSet<>(names);
                send(conn, type, true);
                return;
            }
            if (!nonce.equals(ts.sentNonce)) {
                staleRequests.incrementAndGet();
                return;
            }
            if (request.hasErrorDetail()) {
                ts.nackVersion = ts.sentVersion;
                ts.lastNack = request.getErrorDetail().getMessage();
                LOG.warning(() -> "NACK from " + conn.node.id() + " for " + TypeUrls.shortName(type) + " version "
                        + ts.sentVersion + ": " + ts.lastNack);
                return;
            }
            ts.ackedVersion = request.getVersionInfo();
            if (TypeUrls.requestedByName(type)) {
                boolean added = !ts.names.containsAll(names);
                ts.names = new java.util.TreeSet<>(names);
                if (added) {
                    send(conn, type, false);
                }
            }
        }
    }

    /**
     * Rebuilds the snapshot and brings every connected proxy up to date. Endpoint-only changes
     * regenerate EDS alone; each proxy is sent only the types whose content changed for it.
     */
    public void push(RegistryChange change) {
        long start = System.nanoTime();
        MeshSnapshot snapshot = state.rebuild();
        int sent = 0;
        for (ProxyConnection conn : connections.values()) {
            synchronized (conn) {
                ProxyResources next;
                try {
                    next = change.endpointsOnly()
                            ? cache.regenerateEndpoints(conn.resources, snapshot)
                            : cache.generate(snapshot, conn.node);
                } catch (RuntimeException e) {
                    // Invalid output never replaces working config: the proxy keeps what it has.
                    LOG.log(Level.SEVERE, "not pushing to " + conn.node.id() + ": " + e.getMessage(), e);
                    continue;
                }
                conn.resources = next;
                for (String type : TypeUrls.PUSH_ORDER) {
                    if (conn.state(type).subscribed && send(conn, type, false)) {
                        sent++;
                    }
                }
            }
        }
        long micros = (System.nanoTime() - start) / 1000;
        int responses = sent;
        LOG.info(() -> "push of snapshot " + snapshot.version() + (change.endpointsOnly() ? " (endpoints only)" : "")
                + ": " + responses + " responses to " + connections.size() + " proxies in " + micros / 1000.0 + " ms");
    }

    private boolean send(ProxyConnection conn, String type, boolean force) {
        try {
            // Proxies share most resources (the cache hands out the same instances): each is packed once.
            if (conn.send(type, force, cache::packed)) {
                pushesByType.computeIfAbsent(type, t -> new AtomicLong()).incrementAndGet();
                return true;
            }
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "stream " + conn.streamId + " is gone", e);
        }
        return false;
    }

    /** Connected proxies, for debugging and warnings. */
    public Collection<ProxyConnection> connections() {
        return List.copyOf(connections.values());
    }

    public Collection<ProxyNode> connectedNodes() {
        return connections.values().stream().map(c -> c.node).toList();
    }

    public long staleRequests() {
        return staleRequests.get();
    }

    public long pushes(String typeUrl) {
        AtomicLong n = pushesByType.get(typeUrl);
        return n == null ? 0 : n.get();
    }
}
