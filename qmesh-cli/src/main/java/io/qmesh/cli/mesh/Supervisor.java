package io.qmesh.cli.mesh;

import io.qmesh.cli.CliException;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Starts the processes of a {@link MeshPlan}, shows their readiness as it comes, and stops every one of
 * them. No orphans, by three means: a JVM shutdown hook (Ctrl-C, {@code qmesh down}'s SIGTERM) stops them;
 * each child is started under {@code setpriv --pdeathsig TERM} where available, so the kernel signals it if
 * this JVM dies without running hooks (SIGKILL); and every pid is in the state file, so {@code qmesh down}
 * (or the next {@code up}) can stop leftovers.
 */
public final class Supervisor {
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final MeshPlan plan;
    private final PrintStream out;
    private final List<Running> running = new CopyOnWriteArrayList<>();
    private final boolean parentDeathSignal = Files.isExecutable(Path.of("/usr/bin/setpriv"));
    private final long startNanos = System.nanoTime();
    private final Set<String> ready = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private RunState state;
    private volatile boolean stopping;

    private record Running(ProcessSpec spec, Process process) {
    }

    public Supervisor(MeshPlan plan, RunState state, PrintStream out) {
        this.plan = plan;
        this.state = state;
        this.out = out;
    }

    /** Starts one process with its output appended to its log, and records it in the state file. */
    public synchronized void start(ProcessSpec spec) {
        if (stopping) {
            throw new CliException("stopping", CliException.UNAVAILABLE);
        }
        List<String> command = new ArrayList<>();
        if (parentDeathSignal) {
            command.addAll(List.of("/usr/bin/setpriv", "--pdeathsig", "TERM"));
        }
        command.addAll(spec.command());
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.log().toFile()));
        pb.environment().putAll(spec.env());
        try {
            Files.createDirectories(spec.log().getParent());
            Process p = pb.start();
            running.add(new Running(spec, p));
            ProcessHandle h = p.toHandle();
            state = state.withProcess(new RunState.Entry(spec.name(), spec.role().label(), h.pid(), RunState.startOf(h),
                    spec.address(), str(spec.readyUrl()), str(spec.adminUrl()), spec.proxyId() == null ? "" : spec.proxyId(),
                    spec.log().toString()));
            state.write(plan.runDir());
        } catch (IOException e) {
            throw new CliException("cannot start " + spec.name() + ": " + e.getMessage(), CliException.UNAVAILABLE);
        }
    }

    /**
     * Waits until every started process answers its readiness URL, printing each as it becomes ready and,
     * every few seconds, what is still pending. A process that exits meanwhile fails the wait with the
     * end of its log.
     */
    public void awaitReady(Duration timeout) {
        Set<Running> pending = new LinkedHashSet<>();
        running.stream().filter(r -> !ready.contains(r.spec().name())).forEach(pending::add);
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!pending.isEmpty()) {
            for (Running r : List.copyOf(pending)) {
                if (!r.process().isAlive()) {
                    failStartup(r);
                }
                if (Probe.ready(r.spec().readyUrl())) {
                    pending.remove(r);
                    ready.add(r.spec().name());
                    out.printf("  %-26s %-8s ready     %5.1f s%n", r.spec().name(), r.spec().role().label(), elapsed());
                }
            }
            if (pending.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new CliException("not ready after " + timeout.toSeconds() + " s: " + names(pending)
                        + " (logs: " + plan.logsDir() + ")", CliException.UNAVAILABLE);
            }
            if (System.nanoTime() > nextReport) {
                out.printf("  ... %d/%d ready, waiting for %s (%.0f s)%n", running.size() - pending.size(), running.size(),
                        names(pending), elapsed());
                nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            }
            sleep(200);
        }
    }

    /** Waits until {@code url} answers 200 (the first page through the whole mesh). */
    public void awaitHttp200(String what, URI url, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            for (Running r : running) {
                if (!r.process().isAlive()) {
                    failStartup(r);
                }
            }
            last = Probe.status(url, Duration.ofSeconds(15));
            if (last == 200) {
                out.printf("  %-26s %-8s 200       %5.1f s%n", what, "", elapsed());
                return;
            }
            sleep(250);
        }
        throw new CliException(url + " did not answer 200 within " + timeout.toSeconds() + " s (last: "
                + (last < 0 ? "no answer" : last) + "; logs: " + plan.logsDir() + ")", CliException.UNAVAILABLE);
    }

    /** Blocks while the mesh runs, reporting any process that exits. Returns only when interrupted. */
    public void supervise() {
        Set<Running> reported = new java.util.HashSet<>();
        while (!stopping && !Thread.currentThread().isInterrupted()) {
            for (Running r : running) {
                if (!r.process().isAlive() && reported.add(r) && !stopping) {
                    out.printf("%s exited with code %d; see %s%n", r.spec().name(), r.process().exitValue(), r.spec().log());
                }
            }
            sleep(500);
        }
    }

    /** Stops every process, newest first: SIGTERM, then SIGKILL after a grace period. Idempotent. */
    public void stopAll() {
        synchronized (this) {
            if (stopping && running.isEmpty()) {
                return;
            }
            stopping = true;
        }
        List<Running> all = new ArrayList<>(running);
        java.util.Collections.reverse(all);
        all.forEach(r -> r.process().destroy());
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (Running r : all) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!r.process().waitFor(left, TimeUnit.NANOSECONDS)) {
                    r.process().destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                r.process().destroyForcibly();
            }
        }
        running.clear();
        RunState.delete(plan.runDir());
    }

    public double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private void failStartup(Running r) {
        int code = r.process().exitValue();
        if (stopping || code == 130 || code == 143) {
            // Ctrl-C reaches the whole process group: the children stop on SIGINT as the shutdown hook starts.
            throw new CliException("interrupted; stopping every process", CliException.UNAVAILABLE);
        }
        out.println(r.spec().name() + " exited during startup; the end of " + r.spec().log() + ":");
        try {
            List<String> lines = Files.readAllLines(r.spec().log());
            lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> out.println("    " + l));
        } catch (IOException e) {
            out.println("    (log unreadable: " + e.getMessage() + ")");
        }
        throw new CliException(r.spec().name() + " exited during startup with code " + code
                + " (log: " + r.spec().log() + ")", CliException.UNAVAILABLE);
    }

    private static String names(Set<Running> rs) {
        List<String> names = rs.stream().map(r -> r.spec().name()).toList();
        return names.size() <= 4 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 4)) + " and " + (names.size() - 4) + " more";
    }

    private static String str(URI u) {
        return u == null ? "" : u.toString();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
