package io.qmesh.cli.commands;

import io.qmesh.cli.mesh.QmeshHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Manual injection, as {@code istioctl kube-inject}: runs the injector's own offline kube-inject (the
 * same {@code inject()} and sidecar template as the webhook), so the CLI never carries a second copy
 * of the injection logic.
 */
@Command(name = "kube-inject", description = "Inject the sidecar into the Pods and workloads of a YAML manifest (offline) and print it.")
public class KubeInjectCommand implements Callable<Integer> {
    static final String INJECTOR = "injector-service";

    @Option(names = "-f", required = true, description = "The manifest (many documents allowed); - reads standard input.")
    String file;

    @Option(names = "--template", description = "A sidecar template file instead of the built-in one.")
    String template;

    @Option(names = "--proxy-image", description = "The proxy image to inject.")
    String proxyImage;

    @Option(names = "--pilot-address", description = "HOST:PORT of pilot's xDS server for the injected proxies.")
    String pilotAddress;

    @Override
    public Integer call() throws Exception {
        Path injector = QmeshHome.app(QmeshHome.resolve(), INJECTOR);
        Process process = new ProcessBuilder(command(injector)).inheritIO().start();
        return process.waitFor();
    }

    List<String> command(Path injectorJar) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", injectorJar.toString(), "kube-inject", "-f", file));
        add(cmd, "--template", template);
        add(cmd, "--proxy-image", proxyImage);
        add(cmd, "--pilot-address", pilotAddress);
        return cmd;
    }

    private static void add(List<String> cmd, String flag, String value) {
        if (value != null) {
            cmd.add(flag);
            cmd.add(value);
        }
    }
}
