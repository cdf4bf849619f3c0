package io.qmesh.pilot.xds;

import io.qmesh.pilot.model.MeshRules;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.PlatformAdapter;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.ServiceRegistry;
import io.qmesh.pilot.model.SidecarScope;
import io.qmesh.pilot.model.Workload;
import io.qmesh.pilot.model.istio.IstioConfig;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The current {@link MeshSnapshot}, rebuilt from every adapter's registry and the rule store when a
 * push starts. Readers get the last published snapshot without locking; a snapshot is never changed.
 * {@link #ready()} says whether every source has its complete initial state; until then pilot serves
 * no proxy, since a partial registry would be pushed as deleted services.
 */
public final class MeshState {
    private final List<PlatformAdapter> adapters;
    private final Supplier<? extends Collection<IstioConfig>> rules;
    private final BooleanSupplier rulesSynced;
    private final SidecarScope scope;
    private volatile MeshSnapshot current = MeshSnapshot.EMPTY;
    private volatile boolean complete;
    private long version;

    public MeshState(List<PlatformAdapter> adapters, Supplier<? extends Collection<IstioConfig>> rules) {
        this(adapters, rules, () -> true, SidecarScope.MESH);
    }

    public MeshState(List<PlatformAdapter> adapters, Supplier<? extends Collection<IstioConfig>> rules,
                     BooleanSupplier rulesSynced, SidecarScope scope) {
        this.adapters = List.copyOf(adapters);
        this.rules = rules;
        this.rulesSynced = rulesSynced;
        this.scope = scope;
        // Sources that are complete from the start (the local platform) may serve the empty snapshot.
        this.complete = synced();
    }

    public MeshSnapshot current() {
        return current;
    }

    /** True once every adapter and the rule source have listed their platform's state once. */
    public boolean synced() {
        return rulesSynced.getAsBoolean() && adapters.stream().allMatch(PlatformAdapter::synced);
    }

    /** True when {@link #current()} was built from synced sources, so it may be served to proxies. */
    public boolean ready() {
        return complete;
    }

    /** Builds and publishes the next snapshot; the first adapter to name a hostname wins it. */
    public synchronized MeshSnapshot rebuild() {
        // Checked before the registries are read: synced sources give a complete snapshot.
        boolean synced = synced();
        List<Service> services = new ArrayList<>();
        List<Workload> workloads = new ArrayList<>();
        for (PlatformAdapter a : adapters) {
            ServiceRegistry r = a.registry();
            services.addAll(r.services());
            workloads.addAll(r.workloads());
        }
        version++;
        current = new MeshSnapshot(version, services, workloads, MeshRules.of(rules.get()), scope);
        complete = complete || synced;
        return current;
    }
}
