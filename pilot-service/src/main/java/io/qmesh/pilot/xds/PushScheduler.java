package io.qmesh.pilot.xds;

import io.qmesh.pilot.model.RegistryChange;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Turns a stream of changes into debounced pushes. Every push runs on the one scheduler thread, so
 * pushes never overlap and never run on a gRPC or HTTP thread that might hold a connection's lock.
 * Without an executor (tests) nothing is scheduled and the test calls {@link #tick()} after moving
 * its fake clock.
 */
public final class PushScheduler {
    private final Debouncer debouncer;
    private final LongSupplier clock;
    private final ScheduledExecutorService executor;
    private final Consumer<RegistryChange> push;

    public PushScheduler(Debouncer debouncer, LongSupplier clock, ScheduledExecutorService executor,
                         Consumer<RegistryChange> push) {
        this.debouncer = debouncer;
        this.clock = clock;
        this.executor = executor;
        this.push = push;
    }

    public void onChange(RegistryChange change) {
        debouncer.add(change, clock.getAsLong());
        schedule();
    }

    /** Pushes if the pending change is due; otherwise waits for its deadline. */
    public void tick() {
        debouncer.poll(clock.getAsLong()).ifPresent(push);
        schedule();
    }

    private void schedule() {
        if (executor == null) {
            return;
        }
        long deadline = debouncer.nextDeadline();
        if (deadline < 0) {
            return;
        }
        long delay = Math.max(0, deadline - clock.getAsLong());
        executor.schedule(this::tickSafely, delay, TimeUnit.NANOSECONDS);
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            // A failed push must not stop future pushes; the error is logged by the push itself.
            java.util.logging.Logger.getLogger(PushScheduler.class.getName())
                    .log(java.util.logging.Level.SEVERE, "push failed", e);
        }
    }
}
