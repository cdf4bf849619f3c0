package io.qmesh.pilot.model;

import java.util.function.Consumer;

/**
 * A source of services and workloads (Istio's ServiceRegistry/Controller). The local adapter registers
 * workloads from connecting proxies; the Kubernetes adapter watches Services, EndpointSlices and Pods.
 * Both implement the same methods: a consistent {@link #registry()} view, change notifications that
 * say whether only endpoints moved (so the push scheduler can send EDS alone), and {@link #synced()}.
 */
public interface PlatformAdapter {
    /** Stable name, also the {@link Workload#source()} of the workloads this adapter owns. */
    String name();

    /** The adapter's current view; a new immutable value after every change. */
    ServiceRegistry registry();

    /** Called (on any thread) after {@link #registry()} changed. */
    void onChange(Consumer<RegistryChange> listener);

    /**
     * False until the adapter has its platform's complete initial state (every watch listed once).
     * Pilot serves no proxy before every adapter is synced: an empty registry would be pushed as "every
     * service deleted" (Istio's {@code HasSynced}).
     */
    default boolean synced() {
        return true;
    }
}
