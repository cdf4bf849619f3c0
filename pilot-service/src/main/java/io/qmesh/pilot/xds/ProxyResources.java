package io.qmesh.pilot.xds;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything one proxy is sent at one snapshot version: per type URL, resources by name (sorted).
 * Built only through {@link #of}, which refuses an inconsistent set (a cluster whose endpoints are
 * missing, a listener whose route configuration is missing), as java-control-plane's
 * {@code Snapshot.ensureConsistent} does: such a set would leave the proxy waiting forever.
 */
public final class ProxyResources {
    private final long snapshotVersion;
    private final Map<String, SortedMap<String, Message>> byType;

    private ProxyResources(long snapshotVersion, Map<String, SortedMap<String, Message>> byType) {
        this.snapshotVersion = snapshotVersion;
        this.byType = byType;
    }

    public static ProxyResources of(long snapshotVersion, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints,
                                    List<Listener> listeners, List<RouteConfiguration> routes) {
        Map<String, SortedMap<String, Message>> m = new TreeMap<>();
        m.put(TypeUrls.CLUSTER, index(clusters, Cluster::getName));
        m.put(TypeUrls.ENDPOINT, index(endpoints, ClusterLoadAssignment::getClusterName));
        m.put(TypeUrls.LISTENER, index(listeners, Listener::getName));
        m.put(TypeUrls.ROUTE, index(routes, RouteConfiguration::getName));
        ProxyResources r = new ProxyResources(snapshotVersion, Collections.unmodifiableMap(m));
        r.ensureConsistent();
        return r;
    }

    /** The same clusters, listeners and routes with new endpoints: an endpoint-only push. */
    public ProxyResources withEndpoints(long version, List<ClusterLoadAssignment> endpoints) {
        Map<String, SortedMap<String, Message>> m = new TreeMap<>(byType);
        m.put(TypeUrls.ENDPOINT, index(endpoints, ClusterLoadAssignment::getClusterName));
        ProxyResources r = new ProxyResources(version, Collections.unmodifiableMap(m));
        r.ensureConsistent();
        return r;
    }

    public long snapshotVersion() {
        return snapshotVersion;
    }

    /** All resources of a type, by name. */
    public SortedMap<String, Message> resources(String typeUrl) {
        return byType.getOrDefault(typeUrl, Collections.emptySortedMap());
    }

    /** For EDS and RDS: only the requested names that exist, in name order. */
    public List<Message> select(String typeUrl, java.util.Collection<String> names) {
        SortedMap<String, Message> all = resources(typeUrl);
        if (!TypeUrls.requestedByName(typeUrl)) {
            return List.copyOf(all.values());
        }
        List<Message> out = new ArrayList<>();
        new java.util.TreeSet<>(names).forEach(n -> {
            Message msg = all.get(n);
            if (msg != null) {
                out.add(msg);
            }
        });
        return out;
    }

    /** The name a resource is known by in xDS: cluster, listener or route configuration name, or the CLA's cluster. */
    public static String nameOf(Message m) {
        if (m instanceof Cluster c) {
            return c.getName();
        }
        if (m instanceof ClusterLoadAssignment cla) {
            return cla.getClusterName();
        }
        if (m instanceof Listener l) {
            return l.getName();
        }
        if (m instanceof RouteConfiguration rc) {
            return rc.getName();
        }
        throw new IllegalArgumentException("not an xDS resource: " + m.getDescriptorForType().getFullName());
    }

    private void ensureConsistent() {
        SortedMap<String, Message> endpoints = resources(TypeUrls.ENDPOINT);
        for (Message m : resources(TypeUrls.CLUSTER).values()) {
            Cluster c = (Cluster) m;
            if (c.getType() == Cluster.DiscoveryType.EDS) {
                String name = c.getEdsClusterConfig().getServiceName().isEmpty() ? c.getName() : c.getEdsClusterConfig().getServiceName();
                if (!endpoints.containsKey(name)) {
                    throw new IllegalStateException("inconsistent snapshot: cluster " + c.getName() + " refers to missing endpoints " + name);
                }
            }
        }
        SortedMap<String, Message> routes = resources(TypeUrls.ROUTE);
        for (Message m : resources(TypeUrls.LISTENER).values()) {
            Listener l = (Listener) m;
            for (String rds : ListenerTranslator.rdsNames(l)) {
                if (!routes.containsKey(rds)) {
                    throw new IllegalStateException("inconsistent snapshot: listener " + l.getName() + " refers to missing route configuration " + rds);
                }
            }
        }
    }

    private static <T extends Message> SortedMap<String, Message> index(List<T> items, java.util.function.Function<T, String> name) {
        SortedMap<String, Message> m = new TreeMap<>();
        for (T t : items) {
            if (m.put(name.apply(t), t) != null) {
                throw new IllegalStateException("duplicate resource name " + name.apply(t));
            }
        }
        return Collections.unmodifiableSortedMap(m);
    }
}
