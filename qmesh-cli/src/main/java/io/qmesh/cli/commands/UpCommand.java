package io.qmesh.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import io.qmesh.cli.CliException;
import io.qmesh.cli.client.PilotClient;
import io.qmesh.cli.mesh.MeshPlan;
import io.qmesh.cli.mesh.ProcessSpec;
import io.qmesh.cli.mesh.QmeshHome;
import io.qmesh.cli.mesh.Role;
import io.qmesh.cli.mesh.RunState;
import io.qmesh.cli.mesh.Supervisor;
import io.qmesh.cli.mesh.Teardown;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "up", description = "Run pilot, an ingress gateway on 127.0.0.1:8080 and bookinfo's six workloads, "
        + "each with its own sidecar, on this machine; Ctrl-C or `qmesh down` stops them all.")
public class UpCommand implements Callable<Integer> {
    static final String DEFAULT_JAVA_OPTS = "-XX:+UseSerialGC -Xmx160m -XX:TieredStopAtLevel=1 -Xss512k";

    @Mixin
    MeshOptions mesh;

    @Option(names = "--subnet", defaultValue = "127.0.0", paramLabel = "127.A.B",
            description = "Loopback /24 for the mesh's addresses (default: ${DEFAULT-VALUE})")
    String subnet;

    @Option(names = "--timeout", defaultValue = "240", paramLabel = "SECONDS",
            description = "How long to wait for everything to be ready (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(names = "--reset", description = "Forget the rules applied in earlier runs")
    boolean reset;

    @Option(names = "--app-env", paramLabel = "WORKLOAD:NAME=VALUE",
            description = "Extra environment of one bookinfo app, repeatable; e.g. reviews-v2:FAULT_MODE=error makes "
                    + "that instance answer 500 (for the outlier-detection and fallback demos)")
    List<String> appEnv = List.of();

    @Option(names = "--java-opts", defaultValue = "${env:QMESH_JAVA_OPTS:-" + DEFAULT_JAVA_OPTS + "}",
            description = "JVM options of every process (default: $QMESH_JAVA_OPTS, else ${DEFAULT-VALUE})")
    String javaOpts;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        Path runDir = mesh.runDir();
        RunState.read(runDir).ifPresent(old -> {
            if (old.supervisor().isPresent()) {
                throw new CliException("qmesh is already running (pid " + old.supervisorPid() + ", " + old.productpageUrl()
                        + "); see `qmesh status`, stop it with `qmesh down`");
            }
            int leftovers = Teardown.stopRecorded(old, 5000);
            if (leftovers > 0) {
                out.println("stopped " + leftovers + " processes left over by an earlier qmesh up");
            }
            RunState.delete(runDir);
        });
        Path home = QmeshHome.resolve();
        Path gatewayRules = home.resolve("deploy/samples/bookinfo-gateway.yaml");
        List<String> options = Arrays.stream(javaOpts.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        MeshPlan plan = MeshPlan.bookinfo(home, runDir, subnet, options, appEnv);
        checkFree(plan.fixedBinds());
        prepare(runDir, plan.logsDir());

        ProcessHandle self = ProcessHandle.current();
        RunState state = new RunState(self.pid(), self.info().startInstant().map(Object::toString).orElse(""),
                subnet, plan.pilotHttp(), plan.productpageUrl(), plan.logsDir().toString(), List.of());
        state.write(runDir);
        Supervisor supervisor = new Supervisor(plan, state, out);
        Runtime.getRuntime().addShutdownHook(new Thread(supervisor::stopAll, "qmesh-stop"));

        out.println("Starting qmesh on " + subnet + ".0/24: pilot, ingress gateway, 6 bookinfo workloads with sidecars");
        out.println("  logs: " + plan.logsDir());
        try {
            ProcessSpec pilot = plan.processes().get(0);
            supervisor.start(pilot);
            supervisor.awaitReady(Duration.ofSeconds(timeoutSeconds));
            applyGateway(new PilotClient(plan.pilotHttp()), gatewayRules, out);
            for (Role role : List.of(Role.APP, Role.SIDECAR, Role.GATEWAY)) {
                plan.processes().stream().filter(p -> p.role() == role).forEach(supervisor::start);
            }
            supervisor.awaitReady(Duration.ofSeconds(timeoutSeconds));
            supervisor.awaitHttp200("productpage via ingress", URI.create(plan.productpageUrl()), Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            supervisor.stopAll();
            throw e;
        }
        out.printf("%nqmesh is up in %.1f s: %d processes, %d sidecars.%n", supervisor.elapsed(), plan.processes().size(),
                plan.processes().stream().filter(p -> p.role() == Role.SIDECAR).count());
        out.println("  productpage:  " + plan.productpageUrl());
        out.println("  pilot:        http://" + plan.pilotHttp() + "  (qmesh proxy-status, qmesh get virtualservices)");
        out.println("  logs:         " + plan.logsDir());
        out.println("Ctrl-C or `qmesh down` stops everything.");
        out.flush();
        supervisor.supervise();
        return 0;
    }

    private static void applyGateway(PilotClient pilot, Path file, PrintStream out) {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (IOException e) {
            throw new CliException(file + ": cannot read (" + e.getMessage() + ")");
        }
        JsonNode result = pilot.apply(yaml, "default");
        if (!result.path("ok").asBoolean()) {
            throw new CliException(file + " was rejected by pilot: " + result);
        }
        out.println("  applied " + file.getFileName() + " (Gateway bookinfo-gateway, VirtualService bookinfo)");
    }

    /** Fails with one line, before starting anything, if another program holds an address qmesh binds. */
    static void checkFree(List<InetSocketAddress> binds) {
        for (InetSocketAddress a : binds) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(a);
            } catch (IOException e) {
                throw new CliException(a.getHostString() + ":" + a.getPort() + " is in use by another program ("
                        + e.getMessage() + "); stop it, or run on another loopback range with --subnet 127.0.1",
                        CliException.UNAVAILABLE);
            }
        }
    }

    private void prepare(Path runDir, Path logs) {
        try {
            Files.createDirectories(logs);
            try (Stream<Path> old = Files.list(logs)) {
                for (Path p : old.filter(p -> p.toString().endsWith(".log")).toList()) {
                    Files.delete(p);
                }
            }
            if (reset) {
                Files.deleteIfExists(runDir.resolve("pilot").resolve("rules.json"));
            }
        } catch (IOException e) {
            throw new CliException("cannot prepare " + runDir + ": " + e.getMessage());
        }
    }
}
