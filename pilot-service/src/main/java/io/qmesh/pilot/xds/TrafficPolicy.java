package io.qmesh.pilot.xds;

import io.qmesh.pilot.model.istio.DestinationRule;
import io.qmesh.pilot.model.istio.DestinationRule.ClientTls;
import io.qmesh.pilot.model.istio.DestinationRule.ConnectionPool;
import io.qmesh.pilot.model.istio.DestinationRule.LoadBalancer;
import io.qmesh.pilot.model.istio.DestinationRule.OutlierDetection;
import io.qmesh.pilot.model.istio.DestinationRule.PortTrafficPolicy;

/**
 * The DestinationRule settings that apply to one cluster, merged as Istio merges them: the rule's
 * policy, then its port-level settings for the port, then the subset's policy, then the subset's
 * port-level settings; each step replaces the settings (load balancer, pool, outlier, tls) it sets.
 */
record TrafficPolicy(LoadBalancer loadBalancer, ConnectionPool connectionPool, OutlierDetection outlierDetection,
                     ClientTls tls) {
    static final TrafficPolicy NONE = new TrafficPolicy(null, null, null, null);

    static TrafficPolicy forCluster(DestinationRule rule, DestinationRule.Subset subset, int port) {
        TrafficPolicy p = NONE;
        if (rule == null) {
            return p;
        }
        p = p.overlay(rule.spec().trafficPolicy(), port);
        if (subset != null) {
            p = p.overlay(subset.trafficPolicy(), port);
        }
        return p;
    }

    private TrafficPolicy overlay(DestinationRule.TrafficPolicy tp, int port) {
        if (tp == null) {
            return this;
        }
        TrafficPolicy p = new TrafficPolicy(
                tp.loadBalancer() != null ? tp.loadBalancer() : loadBalancer,
                tp.connectionPool() != null ? tp.connectionPool() : connectionPool,
                tp.outlierDetection() != null ? tp.outlierDetection() : outlierDetection,
                tp.tls() != null ? tp.tls() : tls);
        for (PortTrafficPolicy pl : tp.portLevelSettings()) {
            if (pl.port() != null && pl.port().number() != null && pl.port().number() == port) {
                p = new TrafficPolicy(
                        pl.loadBalancer() != null ? pl.loadBalancer() : p.loadBalancer,
                        pl.connectionPool() != null ? pl.connectionPool() : p.connectionPool,
                        pl.outlierDetection() != null ? pl.outlierDetection() : p.outlierDetection,
                        pl.tls() != null ? pl.tls() : p.tls);
            }
        }
        return p;
    }
}
