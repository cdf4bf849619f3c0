package io.qmesh.pilot.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One instance of a service: a pod, or a static endpoint. {@code service} is the short name of the
 * service it backs (same namespace); {@code source} names the adapter that registered it, so that an
 * adapter only ever replaces its own workloads.
 */
public record Workload(
        String name,
        String namespace,
        String service,
        String address,
        List<WorkloadPort> ports,
        Map<String, String> labels,
        String serviceAccount,
        boolean healthy,
        String source) {

    public Workload {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(address, "address");
        service = service == null ? "" : service;
        ports = List.copyOf(ports);
        labels = Map.copyOf(new TreeMap<>(labels));
        serviceAccount = serviceAccount == null ? "" : serviceAccount;
        source = source == null ? "" : source;
    }

    /** The port this workload serves a service port on: same name first, then same number. */
    public int targetPort(ServicePort servicePort) {
        for (WorkloadPort p : ports) {
            if (!servicePort.name().isEmpty() && p.name().equals(servicePort.name())) {
                return p.port();
            }
        }
        return servicePort.port();
    }

    /** True when every label of {@code selector} is present with the same value (a subset selects a superset). */
    public boolean matches(Map<String, String> selector) {
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    public Workload withHealthy(boolean value) {
        return new Workload(name, namespace, service, address, ports, labels, serviceAccount, value, source);
    }
}
