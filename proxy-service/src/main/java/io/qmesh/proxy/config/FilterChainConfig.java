package io.qmesh.proxy.config;

import io.qmesh.proxy.filter.HttpFilter;
import io.qmesh.proxy.route.RouteTable;
import java.util.List;
import java.util.Set;

/**
 * One filter chain: either an HTTP connection manager (routes + HTTP filters) or a TCP proxy.
 *
 * @param destinationPort filter_chain_match.destination_port, 0 = any
 * @param routeConfigName the RDS name, or null when the route config is inline
 * @param inlineRoutes    an inline route_config, or null
 * @param httpFilters     HTTP filter instances in order (created from their configs at the edge); the router is last
 * @param tcpCluster      the tcp_proxy cluster when this is a TCP chain, else null
 * @param upgradeTypes    the HCM's enabled upgrade_configs (lower case, e.g. websocket): requests asking
 *                        for another upgrade get 403, as Envoy answers
 */
public record FilterChainConfig(
        String name,
        int destinationPort,
        String statPrefix,
        String routeConfigName,
        RouteTableRef inlineRoutes,
        List<HttpFilter> httpFilters,
        String tcpCluster,
        Set<String> upgradeTypes) {

    /** A chain that allows no protocol upgrade. */
    public FilterChainConfig(String name, int destinationPort, String statPrefix, String routeConfigName,
                             RouteTableRef inlineRoutes, List<HttpFilter> httpFilters, String tcpCluster) {
        this(name, destinationPort, statPrefix, routeConfigName, inlineRoutes, httpFilters, tcpCluster, Set.of());
    }

    public boolean isTcp() {
        return tcpCluster != null;
    }

    /** Wrapper so the record can carry an inline table without exposing route types in equals noise. */
    public record RouteTableRef(RouteTable table) {
    }

    public RouteTable routes(ProxyConfig config) {
        if (inlineRoutes != null) {
            return inlineRoutes.table();
        }
        return routeConfigName == null ? null : config.routeTables().get(routeConfigName);
    }
}
