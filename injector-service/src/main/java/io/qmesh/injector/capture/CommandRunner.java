package io.qmesh.injector.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command and reports its exit code and output. The default runs it directly; tests
 * prefix {@code ip netns exec <ns>} to run the same commands inside a network namespace.
 */
@FunctionalInterface
public interface CommandRunner {

    record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Exit code 127 with a message when the program does not exist, like a shell. */
    Result run(List<String> command);

    static CommandRunner local() {
        return prefixed(List.of());
    }

    static CommandRunner prefixed(List<String> prefix) {
        return command -> {
            List<String> argv = new ArrayList<>(prefix);
            argv.addAll(command);
            try {
                Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
                process.getOutputStream().close();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    return new Result(124, "timed out after 30s");
                }
                return new Result(process.exitValue(), output);
            } catch (IOException e) {
                return new Result(127, argv.get(0) + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(130, "interrupted");
            }
        };
    }
}
