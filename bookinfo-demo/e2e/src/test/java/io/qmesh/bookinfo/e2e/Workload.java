package io.qmesh.bookinfo.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One bookinfo workload as a real process: {@code java -jar <service>/target/quarkus-app/quarkus-run.jar}
 * on 127.0.0.1 with a port chosen by the OS, its output in {@code target/e2e-logs/<name>.log}.
 */
final class Workload implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("Listening on: http://[^:/\\s]+:(\\d+)");

    final String name;
    private final Process process;
    private final Path log;
    private int port;

    private Workload(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code service}'s packaged application with {@code env}; returns before it is ready. */
    static Workload start(String name, String service, Map<String, String> env) throws IOException {
        Path bookinfo = Path.of(System.getProperty("bookinfo.dir", ".."));
        Path jar = bookinfo.resolve(service).resolve("target/quarkus-app/quarkus-run.jar").toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package the services first "
                    + "(./mvnw -pl bookinfo-demo -am package -DskipTests)");
        }
        Path logs = Path.of(System.getProperty("e2e.logs", "target/e2e-logs"));
        Files.createDirectories(logs);
        Path log = logs.resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Small and quick to start: six of these share two cores with the build.
                "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        // Nothing of the developer's environment may redirect the workloads.
        environment.keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("BOOKINFO_")
                || k.endsWith("_HOSTNAME") || k.endsWith("_SERVICE_PORT") || k.equals("SERVICES_DOMAIN")
                || k.equals("SERVICE_VERSION") || k.equals("ENABLE_RATINGS") || k.equals("STAR_COLOR")
                || k.equals("FAULT_MODE") || k.equals("HOSTNAME"));
        environment.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        environment.put("QUARKUS_HTTP_PORT", "0");
        environment.putAll(env);
        return new Workload(name, builder.start(), log);
    }

    /** Waits for the "Listening on" line and returns the port the OS chose. */
    int awaitPort(long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            Matcher m = LISTENING.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                return port;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail());
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " did not start within " + timeoutMillis + " ms:\n" + tail());
    }

    int port() {
        return port;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL if the process has not ended within 5 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
