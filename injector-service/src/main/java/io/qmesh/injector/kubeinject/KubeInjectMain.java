package io.qmesh.injector.kubeinject;

import io.qmesh.injector.config.MeshConfig;
import io.qmesh.injector.inject.Injector;
import io.qmesh.injector.inject.SidecarTemplate;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Offline kube-inject without starting a server:
 * {@code kube-inject -f app.yaml [--template sidecar.yaml] [--proxy-image IMAGE] [--pilot-address HOST:PORT]}
 * prints the injected YAML ({@code -f -} reads standard input). Exit codes: 0 done, 2 usage, 1 invalid input.
 */
public final class KubeInjectMain {

    private KubeInjectMain() {
    }

    public static void main(String... args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    public static int run(List<String> arguments, PrintStream out, PrintStream err) {
        List<String> args = arguments.isEmpty() || !arguments.get(0).equals("kube-inject")
                ? arguments : arguments.subList(1, arguments.size());
        String file = null;
        SidecarTemplate template = SidecarTemplate.builtIn();
        MeshConfig mesh = MeshConfig.defaults();
        try {
            for (int i = 0; i < args.size(); i++) {
                String flag = args.get(i);
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(flag + ": missing value");
                }
                String value = args.get(++i);
                switch (flag) {
                    case "-f" -> file = value;
                    case "--template" -> template = SidecarTemplate.fromFile(Path.of(value));
                    case "--proxy-image" -> mesh = mesh.withProxyImage(value);
                    case "--pilot-address" -> mesh = mesh.withPilotAddress(value);
                    default -> throw new IllegalArgumentException(flag + ": unknown flag (expected -f, --template, --proxy-image, --pilot-address)");
                }
            }
            if (file == null) {
                throw new IllegalArgumentException("-f: missing (expected: a YAML file, or - for standard input)");
            }
        } catch (IllegalArgumentException e) {
            err.println("kube-inject: " + e.getMessage());
            return 2;
        }
        try {
            String yaml = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file));
            out.print(new KubeInjector(new Injector(mesh, template)).inject(yaml));
            return 0;
        } catch (IOException e) {
            // NoSuchFileException's message is only the path: say what is wrong instead.
            err.println("kube-inject: cannot read " + file + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("kube-inject: " + e.getMessage());
            return 1;
        }
    }
}
