package io.qmesh.pilot.adapter.kubernetes;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.qmesh.pilot.model.Hostnames;
import io.qmesh.pilot.model.PlatformAdapter;
import io.qmesh.pilot.model.RegistryChange;
import io.qmesh.pilot.model.ServiceRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The Kubernetes platform: informers on Namespaces, Services, Pods and EndpointSlices (or, with
 * {@code endpointSlices=false}, the legacy Endpoints) in every namespace, turned into the same
 * {@link ServiceRegistry} the local adapter builds by {@link KubernetesRegistry}.
 *
 * <p>Events only mark the registry stale and report what kind of change it was (a Service or
 * Namespace change is a full push; a Pod, EndpointSlice or Endpoints change is endpoints-only); the
 * registry is rebuilt from the informer caches when the push thread asks for it, so a burst of events
 * costs one rebuild per push, not one per event. {@link #synced()} is false until every informer has
 * listed once, and pilot serves no proxy before that.
 */
public final class KubernetesAdapter implements PlatformAdapter, AutoCloseable {
    public static final String NAME = "kubernetes";

    /**
     * @param discoverySelector labels a namespace must carry to be part of the mesh (Istio's
     *                          {@code discoverySelectors}, as matchLabels); empty = every namespace
     */
    public record Settings(boolean endpointSlices, Map<String, String> discoverySelector, Duration resync) {
        public Settings {
            discoverySelector = Map.copyOf(discoverySelector);
        }
    }

    private final KubernetesClient client;
    private final Settings settings;
    private final List<Consumer<RegistryChange>> listeners = new CopyOnWriteArrayList<>();
    private final List<Watch<?>> watches = new ArrayList<>();
    private Watch<Namespace> namespaces;
    private Watch<io.fabric8.kubernetes.api.model.Service> services;
    private Watch<Pod> pods;
    private Watch<EndpointSlice> slices;
    private Watch<Endpoints> endpoints;
    private volatile boolean stale = true;
    private ServiceRegistry registry = ServiceRegistry.EMPTY;

    public KubernetesAdapter(KubernetesClient client, Settings settings) {
        this.client = client;
        this.settings = settings;
    }

    /** Starts every informer in the background. */
    public synchronized KubernetesAdapter start() {
        Duration resync = settings.resync();
        namespaces = add(new Watch<>("namespaces", client.namespaces(), resync, (ns, deleted) -> {
            if (!settings.discoverySelector().isEmpty()) {
                changed(RegistryChange.FULL);
            }
        }));
        services = add(new Watch<>("services", client.services().inAnyNamespace(), resync,
                (s, deleted) -> changed(RegistryChange.FULL)));
        pods = add(new Watch<>("pods", client.pods().inAnyNamespace(), resync,
                (p, deleted) -> changed(RegistryChange.endpoints(Set.of()))));
        if (settings.endpointSlices()) {
            slices = add(new Watch<>("endpointslices", client.discovery().v1().endpointSlices().inAnyNamespace(), resync,
                    (s, deleted) -> changed(RegistryChange.endpoints(hostOf(EndpointGroup.of(s))))));
        } else {
            endpoints = add(new Watch<>("endpoints", client.endpoints().inAnyNamespace(), resync,
                    (e, deleted) -> changed(RegistryChange.endpoints(
                            Set.of(Hostnames.fqdn(e.getMetadata().getName(), e.getMetadata().getNamespace()))))));
        }
        watches.forEach(Watch::start);
        return this;
    }

    private <T extends io.fabric8.kubernetes.api.model.HasMetadata> Watch<T> add(Watch<T> w) {
        watches.add(w);
        return w;
    }

    private static Set<String> hostOf(EndpointGroup g) {
        return g == null ? Set.of() : Set.of(Hostnames.fqdn(g.service(), g.namespace()));
    }

    private void changed(RegistryChange change) {
        stale = true;
        for (Consumer<RegistryChange> l : listeners) {
            l.accept(change);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean synced() {
        List<Watch<?>> all;
        synchronized (this) {
            all = List.copyOf(watches);
        }
        return !all.isEmpty() && all.stream().allMatch(Watch::synced);
    }

    /**
     * The registry as of the informer caches now. {@code stale} is cleared before the caches are read,
     * so an event that lands during a rebuild marks the registry stale again and the next call sees it.
     */
    @Override
    public synchronized ServiceRegistry registry() {
        if (stale && services != null) {
            stale = false;
            List<EndpointGroup> groups = new ArrayList<>();
            if (slices != null) {
                slices.list().stream().map(EndpointGroup::of).filter(g -> g != null).forEach(groups::add);
            } else {
                endpoints.list().forEach(e -> groups.addAll(EndpointGroup.of(e)));
            }
            registry = KubernetesRegistry.build(services.list(), groups, pods.list(), selectedNamespaces(), NAME);
        }
        return registry;
    }

    private java.util.function.Predicate<String> selectedNamespaces() {
        if (settings.discoverySelector().isEmpty()) {
            return ns -> true;
        }
        return KubernetesRegistry.selected(namespaces.list(), settings.discoverySelector());
    }

    @Override
    public void onChange(Consumer<RegistryChange> listener) {
        listeners.add(listener);
    }

    @Override
    public synchronized void close() {
        watches.forEach(Watch::close);
    }
}
