package io.qmesh.cli.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the packaged CLI ({@code target/quarkus-app/quarkus-run.jar}) as a process, as a user's shell would. */
final class Qmesh {
    static final Path HOME = Path.of(System.getProperty("qmesh.home", "..")).toAbsolutePath().normalize();
    static final Path CLI = HOME.resolve("qmesh-cli/target/quarkus-app/quarkus-run.jar");

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private final Path runDir;

    Qmesh(Path runDir) {
        this.runDir = runDir;
    }

    /** The process of a long-running command (up), its output going to {@code log}. */
    Process start(Path log, String... args) throws IOException {
        return builder(args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    Result run(String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile("qmesh-out", ".txt");
        Path err = Files.createTempFile("qmesh-err", ".txt");
        try {
            Process p = builder(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("qmesh " + String.join(" ", args) + " did not finish in 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private ProcessBuilder builder(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", CLI.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("QMESH_HOME", HOME.toString());
        pb.environment().put("QMESH_RUN_DIR", runDir.toString());
        pb.environment().remove("QMESH_PILOT");
        return pb;
    }

    static Path sample(String name) {
        return HOME.resolve("deploy/samples").resolve(name);
    }
}
