package io.qmesh.pilot.xds;

import io.qmesh.pilot.model.MeshRules;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.PlatformAdapter;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.ServiceRegistry;
import io.qmesh.pilot.model.Workload;
import io.qmesh.pilot.model.istio.IstioConfig;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * The current {@link MeshSnapshot}, rebuilt from every adapter's registry and the rule store when a
 * push starts. Readers get the last published snapshot without locking; a snapshot is never changed.
 */
public final class MeshState {
    private final List<PlatformAdapter> adapters;
    private final Supplier<? extends Collection<IstioConfig>> rules;
    private volatile MeshSnapshot current = MeshSnapshot.EMPTY;
    private long version;

    public MeshState(List<PlatformAdapter> adapters, Supplier<? extends Collection<IstioConfig>> rules) {
        this.adapters = List.copyOf(adapters);
        this.rules = rules;
    }

    public MeshSnapshot current() {
        return current;
    }

    /** Builds and publishes the next snapshot; the first adapter to name a hostname wins it. */
    public synchronized MeshSnapshot rebuild() {
        List<Service> services = new ArrayList<>();
        List<Workload> workloads = new ArrayList<>();
        for (PlatformAdapter a : adapters) {
            ServiceRegistry r = a.registry();
            services.addAll(r.services());
            workloads.addAll(r.workloads());
        }
        version++;
        current = new MeshSnapshot(version, services, workloads, MeshRules.of(rules.get()));
        return current;
    }
}
