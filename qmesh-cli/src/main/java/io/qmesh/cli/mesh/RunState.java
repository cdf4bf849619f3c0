package io.qmesh.cli.mesh;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.qmesh.cli.CliException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code <run dir>/state.json}: the running {@code qmesh up} (its pid) and every process it started, with
 * the start instant that tells a live process from a recycled pid. {@code up} rewrites it after each start;
 * {@code status}, {@code down}, {@code proxy-status} and {@code proxy-config} read it.
 */
public record RunState(long supervisorPid, String supervisorStart, String subnet, String pilotHttp,
                       String productpageUrl, String logsDir, List<Entry> processes) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One started process. */
    public record Entry(String name, String role, long pid, String startInstant, String address, String readyUrl,
                        String adminUrl, String proxyId, String log) {

        public Optional<ProcessHandle> handle() {
            return RunState.sameProcess(pid, startInstant);
        }
    }

    public RunState withProcess(Entry e) {
        List<Entry> all = new ArrayList<>(processes);
        all.add(e);
        return new RunState(supervisorPid, supervisorStart, subnet, pilotHttp, productpageUrl, logsDir, List.copyOf(all));
    }

    public Optional<ProcessHandle> supervisor() {
        return sameProcess(supervisorPid, supervisorStart);
    }

    public Optional<Entry> proxy(String name) {
        for (Entry e : processes) {
            if (!e.proxyId().isEmpty() && (name.equals(e.name()) || name.equals(e.proxyId())
                    || e.proxyId().startsWith(name + "."))) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    public static Path file(Path runDir) {
        return runDir.resolve("state.json");
    }

    public static Optional<RunState> read(Path runDir) {
        Path f = file(runDir);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), RunState.class));
        } catch (IOException e) {
            throw new CliException(f + ": unreadable state file (" + e.getMessage().lines().findFirst().orElse("")
                    + "); remove it if no qmesh is running");
        }
    }

    /** Written to a temporary file and renamed, so a reader never sees half a file. */
    public void write(Path runDir) {
        try {
            Files.createDirectories(runDir);
            Path tmp = runDir.resolve("state.json.tmp");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file(runDir), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CliException("cannot write " + file(runDir) + ": " + e.getMessage());
        }
    }

    public static void delete(Path runDir) {
        try {
            Files.deleteIfExists(file(runDir));
        } catch (IOException e) {
            // a stale file is detected (dead supervisor pid) and replaced by the next up
        }
    }

    static String startOf(ProcessHandle h) {
        return h.info().startInstant().map(Object::toString).orElse("");
    }

    /** The process with this pid, if it is still the one that was recorded (same start instant). */
    static Optional<ProcessHandle> sameProcess(long pid, String startInstant) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(h -> startInstant == null || startInstant.isEmpty() || startInstant.equals(startOf(h)));
    }
}
