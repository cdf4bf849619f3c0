package io.qmesh.proxy.config;

import java.util.List;

/**
 * A listener from LDS.
 *
 * @param bindToPort     false for Istio's per-port outbound listeners, which only receive connections
 *                       handed over by a use_original_dst listener such as virtualOutbound
 * @param useOriginalDst hand requests to the listener of their original destination port
 * @param restoresOriginalDst match filter chains on a captured connection's original destination (the
 *                       original_dst listener filter, or use_original_dst), not the port it arrived on
 * @param outbound       traffic_direction OUTBOUND (reporter=source) vs INBOUND (reporter=destination)
 */
public record ListenerConfig(
        String name,
        String host,
        int port,
        boolean bindToPort,
        boolean useOriginalDst,
        boolean restoresOriginalDst,
        boolean outbound,
        List<FilterChainConfig> filterChains,
        FilterChainConfig defaultChain) {

    /** The filter chain for a connection to {@code destinationPort}: exact port match first, then any-port chains. */
    public FilterChainConfig chainFor(int destinationPort) {
        FilterChainConfig anyPort = null;
        for (FilterChainConfig chain : filterChains) {
            if (chain.destinationPort() == destinationPort) {
                return chain;
            }
            if (chain.destinationPort() == 0 && anyPort == null) {
                anyPort = chain;
            }
        }
        return anyPort != null ? anyPort : defaultChain;
    }

    /** Whether rebinding is needed when this listener replaces {@code previous}. */
    public boolean sameSocket(ListenerConfig previous) {
        return previous != null && previous.host.equals(host) && previous.port == port
                && previous.bindToPort == bindToPort;
    }
}
