package io.qmesh.proxy.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.qmesh.proxy.config.FilterChainConfig;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.config.ListenerConfig;
import io.qmesh.proxy.filter.HttpFilter;
import io.qmesh.proxy.filter.HttpFilterFactory;
import io.qmesh.proxy.filter.HttpFilterRegistry;
import io.qmesh.proxy.filter.RouterFilterFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Listener proto -> {@link ListenerConfig}, including its HTTP filter chain and any inline route config. */
public final class ListenerTranslator {

    static final String HCM = "envoy.filters.network.http_connection_manager";
    static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";
    static final String ORIGINAL_DST_FILTER = "envoy.filters.listener.original_dst";

    private final HttpFilterRegistry filters;
    private final RouteTranslator routes;

    public ListenerTranslator(HttpFilterRegistry filters, RouteTranslator routes) {
        this.filters = filters;
        this.routes = routes;
    }

    public ListenerConfig translate(Listener l) throws InvalidConfigException {
        String field = "listeners[" + l.getName() + "]";
        if (l.getName().isEmpty()) {
            throw new InvalidConfigException("listeners[]: name \"\" (expected: a listener name)");
        }
        if (!l.getAddress().hasSocketAddress()) {
            throw new InvalidConfigException(field + ".address: missing socket_address (expected: ip and port)");
        }
        var sa = l.getAddress().getSocketAddress();
        List<FilterChainConfig> chains = new ArrayList<>();
        for (int i = 0; i < l.getFilterChainsCount(); i++) {
            chains.add(chain(l.getFilterChains(i), field + ".filter_chains[" + i + "]"));
        }
        FilterChainConfig defaultChain = l.hasDefaultFilterChain()
                ? chain(l.getDefaultFilterChain(), field + ".default_filter_chain") : null;
        boolean bind = !l.hasBindToPort() || l.getBindToPort().getValue();
        boolean outbound = l.getTrafficDirection() != TrafficDirection.INBOUND;
        boolean useOriginalDst = l.hasUseOriginalDst() && l.getUseOriginalDst().getValue();
        return new ListenerConfig(l.getName(), sa.getAddress(), sa.getPortValue(), bind, useOriginalDst,
                useOriginalDst || hasOriginalDstFilter(l), outbound, List.copyOf(chains), defaultChain);
    }

    /**
     * Envoy's {@code original_dst} listener filter makes a REDIRECT-captured connection's original destination
     * its local address, so filter chains match the port the client dialled: Istio's virtualInbound (15006)
     * carries it, without use_original_dst (nothing is handed to another listener).
     */
    private static boolean hasOriginalDstFilter(Listener l) {
        return l.getListenerFiltersList().stream().anyMatch(f -> f.getName().equals(ORIGINAL_DST_FILTER)
                || f.getTypedConfig().getTypeUrl().endsWith("envoy.extensions.filters.listener.original_dst.v3.OriginalDst"));
    }

    private FilterChainConfig chain(FilterChain fc, String field) throws InvalidConfigException {
        int port = fc.getFilterChainMatch().hasDestinationPort() ? fc.getFilterChainMatch().getDestinationPort().getValue() : 0;
        for (int i = 0; i < fc.getFiltersCount(); i++) {
            Filter f = fc.getFilters(i);
            String ff = field + ".filters[" + i + "]";
            String type = f.getTypedConfig().getTypeUrl();
            if (f.getName().equals(HCM) || type.endsWith("HttpConnectionManager")) {
                return http(fc.getName(), port, unpack(f, HttpConnectionManager.class, ff), ff);
            }
            if (f.getName().equals(TCP_PROXY) || type.endsWith("TcpProxy")) {
                TcpProxy tcp = unpack(f, TcpProxy.class, ff);
                if (tcp.getCluster().isEmpty()) {
                    throw new InvalidConfigException(ff + ".typed_config.cluster: \"\" (expected: a cluster name)");
                }
                return new FilterChainConfig(fc.getName(), port, tcp.getStatPrefix(), null, null, List.of(), tcp.getCluster());
            }
        }
        throw new InvalidConfigException(field + ".filters: no " + HCM + " or " + TCP_PROXY
                + " (expected: one terminal network filter)");
    }

    private FilterChainConfig http(String name, int port, HttpConnectionManager hcm, String field)
            throws InvalidConfigException {
        String rdsName = null;
        FilterChainConfig.RouteTableRef inline = null;
        switch (hcm.getRouteSpecifierCase()) {
            case RDS -> rdsName = hcm.getRds().getRouteConfigName();
            case ROUTE_CONFIG -> inline = new FilterChainConfig.RouteTableRef(
                    routes.translate(hcm.getRouteConfig(), field + ".route_config"));
            default -> throw new InvalidConfigException(field + ".route_specifier: " + hcm.getRouteSpecifierCase()
                    + " (expected: rds or route_config)");
        }
        List<HttpFilter> chain = new ArrayList<>();
        for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
            var hf = hcm.getHttpFilters(i);
            String f = field + ".http_filters[" + i + "]";
            HttpFilterFactory factory = filters.find(hf.getName());
            if (factory == null) {
                if (hf.getIsOptional()) {
                    continue;
                }
                throw new InvalidConfigException(f + ".name: " + hf.getName() + " (expected: one of " + filters.names() + ")");
            }
            if (factory.name().equals(RouterFilterFactory.NAME) && i != hcm.getHttpFiltersCount() - 1) {
                throw new InvalidConfigException(f + ".name: " + hf.getName() + " (expected: the router to be last)");
            }
            chain.add(factory.create(factory.parse(hf.getTypedConfig(), f + ".typed_config")));
        }
        if (hcm.getHttpFiltersCount() > 0
                && !hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1).getName().equals(RouterFilterFactory.NAME)) {
            throw new InvalidConfigException(field + ".http_filters: last is "
                    + hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1).getName() + " (expected: " + RouterFilterFactory.NAME + ")");
        }
        Set<String> upgrades = new HashSet<>();
        for (var u : hcm.getUpgradeConfigsList()) {
            if (!u.hasEnabled() || u.getEnabled().getValue()) {
                upgrades.add(u.getUpgradeType().toLowerCase(Locale.ROOT));
            }
        }
        return new FilterChainConfig(name, port, hcm.getStatPrefix(), rdsName, inline, List.copyOf(chain), null,
                Set.copyOf(upgrades));
    }

    private static <T extends com.google.protobuf.Message> T unpack(Filter f, Class<T> type, String field)
            throws InvalidConfigException {
        try {
            return f.getTypedConfig().unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidConfigException(field + ".typed_config: " + f.getTypedConfig().getTypeUrl()
                    + " (expected: " + type.getSimpleName() + ")");
        }
    }
}
