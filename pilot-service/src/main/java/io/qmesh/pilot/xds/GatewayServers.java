package io.qmesh.pilot.xds;

import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.istio.Gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The Gateway servers a gateway proxy serves, grouped by port: those of every Gateway whose selector matches it. */
final class GatewayServers {
    record Bound(String gateway, Gateway.Server server) {
    }

    private GatewayServers() {
    }

    /** Port -> servers on it, for HTTP-family servers only (TCP/TLS passthrough are not translated yet). */
    static Map<Integer, List<Bound>> byPort(MeshSnapshot snapshot, ProxyNode proxy) {
        Map<Integer, List<Bound>> out = new TreeMap<>();
        if (proxy.type() != ProxyNode.Type.ROUTER) {
            return out;
        }
        for (Gateway gw : snapshot.rules().gateways()) {
            if (!selects(gw, proxy)) {
                continue;
            }
            String name = gw.metadata().namespace() + "/" + gw.metadata().name();
            for (Gateway.Server s : gw.spec().servers()) {
                if (s.port() == null || s.port().number() == null || !httpProtocol(s.port().protocol())) {
                    continue;
                }
                out.computeIfAbsent(s.port().number(), k -> new ArrayList<>()).add(new Bound(name, s));
            }
        }
        return out;
    }

    static Set<String> names(List<Bound> servers) {
        Set<String> out = new TreeSet<>();
        servers.forEach(b -> out.add(b.gateway()));
        return out;
    }

    private static boolean selects(Gateway gw, ProxyNode proxy) {
        return gw.spec().selector().entrySet().stream()
                .allMatch(e -> e.getValue().equals(proxy.labels().get(e.getKey())));
    }

    private static boolean httpProtocol(String protocol) {
        return protocol != null && Set.of("HTTP", "HTTP2", "GRPC", "GRPC-WEB").contains(protocol.toUpperCase());
    }
}
