package io.qmesh.pilot.server;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.xds.ProxyResources;
import io.qmesh.pilot.xds.TypeUrls;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One ADS stream. Per type it remembers what the proxy subscribed to, what was last sent (version,
 * nonce, resources), what the proxy last ACKed and its last NACK. All methods are called with the
 * connection's monitor held ({@code synchronized (connection)}), because gRPC's StreamObserver must
 * not be called concurrently and a push and a request can arrive at the same time.
 */
final class ProxyConnection {
    private static final AtomicLong NONCES = new AtomicLong();

    /** Per-type protocol state, as {@code /debug/syncz} shows it. */
    static final class TypeState {
        boolean subscribed;
        Set<String> names = new TreeSet<>();
        String sentVersion = "";
        String sentNonce = "";
        List<Message> sentResources;
        String ackedVersion = "";
        String nackVersion = "";
        String lastNack = "";
        long sends;
    }

    final String streamId;
    final ProxyNode node;
    final long connectedAt;
    private final StreamObserver<DiscoveryResponse> out;
    private final Map<String, TypeState> types = new LinkedHashMap<>();
    ProxyResources resources;

    ProxyConnection(String streamId, ProxyNode node, StreamObserver<DiscoveryResponse> out, ProxyResources resources,
                    long connectedAt) {
        this.streamId = streamId;
        this.node = node;
        this.out = out;
        this.resources = resources;
        this.connectedAt = connectedAt;
        TypeUrls.PUSH_ORDER.forEach(t -> types.put(t, new TypeState()));
    }

    TypeState state(String typeUrl) {
        return types.computeIfAbsent(typeUrl, t -> new TypeState());
    }

    Map<String, TypeState> states() {
        return types;
    }

    /**
     * Sends the current resources of {@code typeUrl} for the subscribed names; returns false if they are
     * what was last sent and {@code force} is off. {@code packer} turns a resource into its {@code Any}.
     *
     * <p>CDS and LDS responses always carry every resource (a missing one means "deleted"). EDS and RDS
     * responses, unless forced, carry only the resources that changed since the last response: the xDS
     * protocol lets the client keep the named resources a response leaves out (Envoy's "grouping
     * resources into responses"), so an endpoint change in one service is not a copy of every service's
     * endpoints to every proxy.
     */
    boolean send(String typeUrl, boolean force, java.util.function.Function<Message, Any> packer) {
        TypeState ts = state(typeUrl);
        List<Message> selected = resources.select(typeUrl, ts.names);
        if (!force && selected.equals(ts.sentResources)) {
            return false;
        }
        boolean partial = !force && TypeUrls.requestedByName(typeUrl) && ts.sentResources != null;
        List<Message> payload = partial ? changed(ts.sentResources, selected) : selected;
        if (partial && payload.isEmpty()) {
            ts.sentResources = selected; // only names the proxy no longer gets: nothing to say
            return false;
        }
        String version = Long.toString(resources.snapshotVersion());
        String nonce = Long.toString(NONCES.incrementAndGet(), 36);
        List<Any> any = new ArrayList<>(payload.size());
        payload.forEach(m -> any.add(packer.apply(m)));
        out.onNext(DiscoveryResponse.newBuilder()
                .setVersionInfo(version)
                .setNonce(nonce)
                .setTypeUrl(typeUrl)
                .addAllResources(any)
                .build());
        ts.sentVersion = version;
        ts.sentNonce = nonce;
        ts.sentResources = selected;
        ts.sends++;
        return true;
    }

    /** The resources of {@code now} that are new or differ from the same-named one in {@code before}. */
    private static List<Message> changed(List<Message> before, List<Message> now) {
        Map<String, Message> old = new java.util.HashMap<>();
        before.forEach(m -> old.put(ProxyResources.nameOf(m), m));
        List<Message> out = new ArrayList<>();
        for (Message m : now) {
            if (!m.equals(old.get(ProxyResources.nameOf(m)))) {
                out.add(m);
            }
        }
        return out;
    }
}
