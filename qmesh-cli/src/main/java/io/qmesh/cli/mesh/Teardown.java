package io.qmesh.cli.mesh;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Stops the processes a state file records (those still alive with the same start instant). */
public final class Teardown {
    private Teardown() {
    }

    /** SIGTERM to each, then SIGKILL to those still alive after the grace period. Returns how many were alive. */
    public static int stopRecorded(RunState state, long graceMillis) {
        List<ProcessHandle> alive = new ArrayList<>();
        for (RunState.Entry e : state.processes()) {
            e.handle().ifPresent(alive::add);
        }
        alive.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        for (ProcessHandle h : alive) {
            while (h.isAlive() && System.nanoTime() < deadline) {
                sleep();
            }
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
        return alive.size();
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
