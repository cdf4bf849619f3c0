package io.qmesh.pilot.xds;

import io.qmesh.pilot.model.RegistryChange;

import java.time.Duration;
import java.util.Optional;

/**
 * Merges changes until the mesh has been quiet for {@code quiet}, or until {@code max} has passed since
 * the first unpushed change (so a steady trickle of changes cannot starve pushes). Pure: time is passed
 * in, so tests drive it with a fake clock.
 */
public final class Debouncer {
    private final long quietNanos;
    private final long maxNanos;
    private RegistryChange pending;
    private long firstAt;
    private long lastAt;

    public Debouncer(Duration quiet, Duration max) {
        this.quietNanos = quiet.toNanos();
        this.maxNanos = max.toNanos();
    }

    public synchronized void add(RegistryChange change, long now) {
        if (pending == null) {
            pending = change;
            firstAt = now;
        } else {
            pending = pending.merge(change);
        }
        lastAt = now;
    }

    /** The merged change if it is due at {@code now}, clearing it; empty otherwise. */
    public synchronized Optional<RegistryChange> poll(long now) {
        if (pending == null || now < deadline()) {
            return Optional.empty();
        }
        RegistryChange out = pending;
        pending = null;
        return Optional.of(out);
    }

    /** When the pending change falls due (clock nanos), or -1 when nothing is pending. */
    public synchronized long nextDeadline() {
        return pending == null ? -1 : deadline();
    }

    private long deadline() {
        return Math.min(lastAt + quietNanos, firstAt + maxNanos);
    }
}
