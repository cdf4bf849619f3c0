package io.qmesh.pilot.model;

/** A port the workload's container listens on ({@code containerPort} in the pod spec). */
public record WorkloadPort(String name, int port, Protocol protocol) {
    public WorkloadPort {
        name = name == null ? "" : name;
        protocol = protocol == null ? Protocol.select(name, null) : protocol;
    }
}
