package io.qmesh.pilot.model;

import java.util.Objects;

/** One port of a service: {@code name} (Kubernetes port name), {@code port} number and its protocol. */
public record ServicePort(String name, int port, Protocol protocol) implements Comparable<ServicePort> {
    public ServicePort {
        Objects.requireNonNull(protocol, "protocol");
        name = name == null ? "" : name;
    }

    @Override
    public int compareTo(ServicePort other) {
        return Integer.compare(port, other.port);
    }
}
