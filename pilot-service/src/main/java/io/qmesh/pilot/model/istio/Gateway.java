package io.qmesh.pilot.model.istio;

import java.util.List;
import java.util.Map;

/** {@code networking.istio.io/v1 Gateway}: which ports a gateway proxy (selected by labels) opens. */
public record Gateway(ConfigMeta metadata, Spec spec) implements IstioConfig {

    @Override
    public ConfigKind kind() {
        return ConfigKind.GATEWAY;
    }

    @Override
    public Gateway withMetadata(ConfigMeta value) {
        return new Gateway(value, spec);
    }

    public record Spec(Map<String, String> selector, List<Server> servers) {
        public Spec {
            selector = selector == null ? Map.of() : selector;
            servers = servers == null ? List.of() : servers;
        }
    }

    public record Server(Port port, String bind, List<String> hosts, Map<String, Object> tls,
                         String defaultEndpoint, String name) {
        public Server {
            hosts = hosts == null ? List.of() : hosts;
        }
    }

    public record Port(Integer number, String protocol, String name, Integer targetPort) {
    }
}
