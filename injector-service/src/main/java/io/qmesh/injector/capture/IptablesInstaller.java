package io.qmesh.injector.capture;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Installs the capture rules: checks that iptables is usable, removes what an earlier run
 * installed (so re-running is idempotent: a restarted init container must not duplicate rules),
 * then applies {@link CaptureRules#install} and stops at the first failing command.
 */
public final class IptablesInstaller {

    /** Enough to remove duplicates left by tools that were not idempotent. */
    private static final int MAX_DELETE_REPEATS = 16;

    private final CommandRunner runner;

    public IptablesInstaller(CommandRunner runner) {
        this.runner = runner;
    }

    /** @return the commands that were applied, exactly as {@code --dry-run} prints them */
    public List<List<String>> install(CaptureConfig config) {
        preflight();
        for (List<String> command : CaptureRules.cleanup()) {
            boolean repeat = command.contains("-D") || command.contains("del");
            for (int i = 0; i < (repeat ? MAX_DELETE_REPEATS : 1); i++) {
                if (!runner.run(command).ok()) {
                    break; // nothing (more) to remove
                }
            }
        }
        List<List<String>> commands = CaptureRules.install(config);
        for (List<String> command : commands) {
            CommandRunner.Result result = runner.run(command);
            if (!result.ok()) {
                throw new CaptureException("'" + shellQuote(command) + "' failed (exit " + result.exitCode() + "): "
                        + result.output());
            }
        }
        return commands;
    }

    private void preflight() {
        CommandRunner.Result probe = runner.run(List.of("iptables", "-t", "nat", "-S"));
        if (probe.ok()) {
            return;
        }
        if (probe.exitCode() == 127) {
            throw new CaptureException("iptables not found (" + probe.output()
                    + "): the init container's image must contain iptables");
        }
        String output = probe.output().toLowerCase(java.util.Locale.ROOT);
        if (output.contains("permission denied") || output.contains("operation not permitted")) {
            throw new CaptureException("iptables is not permitted (" + probe.output()
                    + "): run as root with the NET_ADMIN and NET_RAW capabilities");
        }
        throw new CaptureException("iptables does not work (exit " + probe.exitCode() + "): " + probe.output());
    }

    /** Renders a command for humans and for --dry-run, quoting arguments a shell would split. */
    public static String shellQuote(List<String> command) {
        return command.stream()
                .map(arg -> arg.isEmpty() || arg.matches(".*[^A-Za-z0-9_./:,=+-].*") ? "'" + arg.replace("'", "'\\''") + "'" : arg)
                .collect(Collectors.joining(" "));
    }
}
