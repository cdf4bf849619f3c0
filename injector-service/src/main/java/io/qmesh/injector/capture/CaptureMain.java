package io.qmesh.injector.capture;

import java.io.PrintStream;
import java.util.List;

/**
 * The {@code istio-init} program: {@code istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT ...}
 * installs the capture rules; {@code --dry-run} prints them instead. Exit codes: 0 done,
 * 2 invalid arguments, 1 installation failed.
 */
public final class CaptureMain {

    private CaptureMain() {
    }

    public static void main(String... args) {
        System.exit(run(List.of(args), CommandRunner.local(), System.out, System.err));
    }

    public static int run(List<String> args, CommandRunner runner, PrintStream out, PrintStream err) {
        CaptureConfig config;
        try {
            config = CaptureConfig.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("istio-iptables: " + e.getMessage());
            return 2;
        }
        if (config.dryRun()) {
            CaptureRules.install(config).forEach(command -> out.println(IptablesInstaller.shellQuote(command)));
            return 0;
        }
        try {
            List<List<String>> applied = new IptablesInstaller(runner).install(config);
            out.println("istio-iptables: installed " + applied.size() + " rules (" + config.mode() + ")");
            return 0;
        } catch (CaptureException e) {
            err.println("istio-iptables: " + e.getMessage());
            return 1;
        }
    }
}
