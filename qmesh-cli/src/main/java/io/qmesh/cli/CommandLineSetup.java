package io.qmesh.cli;

import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import picocli.CommandLine;

import java.io.UncheckedIOException;
import java.net.ConnectException;

/** Every failure ends as one line on stderr and a non-zero exit code, never a stack trace. */
@ApplicationScoped
public class CommandLineSetup {

    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        return factory.create().setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + describe(e));
            cmd.getErr().flush();
            return e instanceof CliException c ? c.exitCode() : CliException.INPUT;
        });
    }

    static String describe(Throwable e) {
        if (e instanceof CliException) {
            return e.getMessage();
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof ConnectException) {
            return "connection refused (" + root.getMessage() + ")";
        }
        String message = root.getMessage();
        if (e instanceof UncheckedIOException || message == null || message.isBlank()) {
            return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        }
        return message.lines().findFirst().orElse(message);
    }
}
