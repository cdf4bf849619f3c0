package io.qmesh.proxy.config;

import io.qmesh.proxy.cluster.UpstreamCluster;
import io.qmesh.proxy.route.RouteTable;
import java.util.Map;

/**
 * One immutable generation of everything the data path needs, translated from xDS at the edge.
 * Published through a single AtomicReference; a request reads it once and uses that generation
 * until it completes, so a config change never affects a request in flight.
 *
 * @param version     a human-readable summary of the xDS versions it was built from
 * @param listeners   by listener name
 * @param routeTables by route configuration name (RDS names and inline route configs)
 * @param clusters    by cluster name, with endpoints and a load balancer ready to pick
 */
public record ProxyConfig(
        long generation,
        String version,
        Map<String, ListenerConfig> listeners,
        Map<String, RouteTable> routeTables,
        Map<String, UpstreamCluster> clusters,
        boolean complete) {

    public static final ProxyConfig EMPTY = new ProxyConfig(0, "", Map.of(), Map.of(), Map.of(), false);

    /** The listener that takes over connections captured for {@code port} (bind_to_port=false listeners). */
    public ListenerConfig virtualListenerForPort(int port) {
        ListenerConfig best = null;
        for (ListenerConfig l : listeners.values()) {
            if (!l.bindToPort() && l.port() == port) {
                if (best == null || l.name().compareTo(best.name()) < 0) {
                    best = l;
                }
            }
        }
        return best;
    }
}
