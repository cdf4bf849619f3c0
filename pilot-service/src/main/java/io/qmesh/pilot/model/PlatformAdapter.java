package io.qmesh.pilot.model;

import java.util.function.Consumer;

/**
 * A source of services and workloads (Istio's ServiceRegistry/Controller). The local adapter registers
 * workloads from connecting proxies; a Kubernetes adapter will watch Services, EndpointSlices and Pods
 * and implement the same two methods: a consistent {@link #registry()} view, and change notifications
 * that say whether only endpoints moved, so the push scheduler can send EDS alone.
 */
public interface PlatformAdapter {
    /** Stable name, also the {@link Workload#source()} of the workloads this adapter owns. */
    String name();

    /** The adapter's current view; a new immutable value after every change. */
    ServiceRegistry registry();

    /** Called (on any thread) after {@link #registry()} changed. */
    void onChange(Consumer<RegistryChange> listener);
}
