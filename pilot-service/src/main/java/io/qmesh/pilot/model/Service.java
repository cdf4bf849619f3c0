package io.qmesh.pilot.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A service: short {@code name} in {@code namespace}, its fully qualified {@code hostname}
 * ({@code reviews.default.svc.cluster.local}), sorted ports and an optional virtual address (cluster IP).
 */
public record Service(String name, String namespace, String hostname, List<ServicePort> ports, String address) {
    public Service {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(hostname, "hostname");
        ports = ports.stream().sorted().toList();
        address = address == null ? "" : address;
    }

    public Optional<ServicePort> port(int number) {
        return ports.stream().filter(p -> p.port() == number).findFirst();
    }

    public Optional<ServicePort> portByName(String portName) {
        return ports.stream().filter(p -> p.name().equals(portName)).findFirst();
    }
}
