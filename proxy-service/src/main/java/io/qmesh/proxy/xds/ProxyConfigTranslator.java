package io.qmesh.proxy.xds;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.qmesh.proxy.cluster.UpstreamCluster;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.config.ListenerConfig;
import io.qmesh.proxy.config.ProxyConfig;
import io.qmesh.proxy.filter.HttpFilterRegistry;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.resilience.ResilienceRegistry;
import io.qmesh.proxy.route.RouteTable;
import java.util.Map;
import java.util.TreeMap;

/** All accepted xDS resources -> one {@link ProxyConfig}. The only place protobuf turns into data-path types. */
public final class ProxyConfigTranslator {

    private final ListenerTranslator listeners;
    private final RouteTranslator routes;
    private final ClusterTranslator clusters;

    public ProxyConfigTranslator(HttpFilterRegistry filters, RandomSource random) {
        this(filters, random, new ResilienceRegistry(new io.qmesh.proxy.stats.StatsRegistry(), System::nanoTime,
                random::nextDouble));
    }

    /** @param resilience the per-cluster circuit breakers and outlier detectors the clusters share across generations */
    public ProxyConfigTranslator(HttpFilterRegistry filters, RandomSource random, ResilienceRegistry resilience) {
        this.routes = new RouteTranslator(filters);
        this.listeners = new ListenerTranslator(filters, routes);
        this.clusters = new ClusterTranslator(random, resilience);
    }

    public ProxyConfig translate(XdsResources r, long generation) throws InvalidConfigException {
        Map<String, ListenerConfig> ls = new TreeMap<>();
        for (Listener l : r.listeners().values()) {
            ls.put(l.getName(), listeners.translate(l));
        }
        Map<String, RouteTable> rts = new TreeMap<>();
        for (RouteConfiguration rc : r.routes().values()) {
            rts.put(rc.getName(), routes.translate(rc, "route_config[" + rc.getName() + "]"));
        }
        Map<String, UpstreamCluster> cs = new TreeMap<>();
        for (Cluster c : r.clusters().values()) {
            cs.put(c.getName(), clusters.translate(c, r.endpoints().get(ClusterTranslator.edsName(c))));
        }
        return new ProxyConfig(generation, r.versions().toString(), Map.copyOf(ls), Map.copyOf(rts), Map.copyOf(cs),
                r.complete());
    }
}
