package io.qmesh.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.config.ProxyConfig;
import io.qmesh.proxy.stats.StatsRegistry;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Applies xDS responses: unpack, merge into a candidate resource set, translate the whole set, and
 * only then publish. Any failure leaves both the accepted resources and the serving config as they
 * were, and the caller NACKs with the exception's message.
 */
public final class XdsState {

    private final ProxyConfigTranslator translator;
    private final AtomicReference<ProxyConfig> config;
    private final ConfigSink sink;
    private final StatsRegistry stats;
    private XdsResources accepted = XdsResources.EMPTY;
    private long generation;
    private volatile boolean ready;

    public XdsState(ProxyConfigTranslator translator, AtomicReference<ProxyConfig> config, ConfigSink sink,
                    StatsRegistry stats) {
        this.translator = translator;
        this.config = config;
        this.sink = sink;
        this.stats = stats;
    }

    /** Applies one DiscoveryResponse's resources; throws (and changes nothing) if they are invalid. */
    public synchronized void apply(String typeUrl, List<Any> resources, String version) throws InvalidConfigException {
        String stat = "control_plane." + TypeUrls.shortName(typeUrl).toLowerCase(java.util.Locale.ROOT) + ".";
        try {
            Map<String, Message> byName = new TreeMap<>();
            for (int i = 0; i < resources.size(); i++) {
                Message m = unpack(typeUrl, resources.get(i), i);
                String name = nameOf(m);
                if (byName.put(name, m) != null) {
                    throw new InvalidConfigException(TypeUrls.shortName(typeUrl) + " resources[" + i + "].name: \""
                            + name + "\" (expected: unique names)");
                }
            }
            XdsResources candidate = accepted.with(typeUrl, byName, version);
            ProxyConfig next = translator.translate(candidate, generation + 1);
            sink.prepare(next);
            generation++;
            accepted = candidate;
            config.set(next);
            sink.published(next);
            if (next.complete()) {
                ready = true;
            }
            stats.inc(stat + "update_success");
        } catch (InvalidConfigException e) {
            stats.inc(stat + "update_rejected");
            throw e;
        }
    }

    private static Message unpack(String typeUrl, Any any, int i) throws InvalidConfigException {
        if (!any.getTypeUrl().equals(typeUrl)) {
            throw new InvalidConfigException(TypeUrls.shortName(typeUrl) + " resources[" + i + "].type_url: "
                    + any.getTypeUrl() + " (expected: " + typeUrl + ")");
        }
        try {
            return switch (typeUrl) {
                case TypeUrls.LISTENER -> any.unpack(Listener.class);
                case TypeUrls.ROUTE -> any.unpack(RouteConfiguration.class);
                case TypeUrls.CLUSTER -> any.unpack(Cluster.class);
                case TypeUrls.ENDPOINT -> any.unpack(ClusterLoadAssignment.class);
                default -> throw new InvalidConfigException("type_url: " + typeUrl + " (expected: LDS, RDS, CDS or EDS)");
            };
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidConfigException(TypeUrls.shortName(typeUrl) + " resources[" + i + "]: "
                    + e.getMessage() + " (expected: a valid " + typeUrl + ")");
        }
    }

    private static String nameOf(Message m) {
        if (m instanceof Listener l) {
            return l.getName();
        }
        if (m instanceof RouteConfiguration r) {
            return r.getName();
        }
        if (m instanceof Cluster c) {
            return c.getName();
        }
        return ((ClusterLoadAssignment) m).getClusterName();
    }

    public synchronized XdsResources accepted() {
        return accepted;
    }

    public synchronized String version(String typeUrl) {
        return accepted.versions().getOrDefault(typeUrl, "");
    }

    /** True once a complete config (all referenced RDS/EDS present) has been applied; stays true. */
    public boolean ready() {
        return ready;
    }
}
