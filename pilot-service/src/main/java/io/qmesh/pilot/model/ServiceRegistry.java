package io.qmesh.pilot.model;

import java.util.Comparator;
import java.util.List;

/** What one platform adapter knows at one moment: its services and workloads, sorted. */
public record ServiceRegistry(List<Service> services, List<Workload> workloads) {
    public static final ServiceRegistry EMPTY = new ServiceRegistry(List.of(), List.of());

    public ServiceRegistry {
        services = services.stream().sorted(Comparator.comparing(Service::hostname)).toList();
        workloads = workloads.stream()
                .sorted(Comparator.comparing(Workload::namespace).thenComparing(Workload::name)
                        .thenComparing(Workload::address))
                .toList();
    }
}
