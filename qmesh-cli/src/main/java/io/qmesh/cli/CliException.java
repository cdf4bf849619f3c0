package io.qmesh.cli;

/**
 * A failure the user can act on. Its message is printed as one line ({@code error: ...}) with no stack
 * trace, and the process exits with {@link #exitCode()}.
 */
public final class CliException extends RuntimeException {
    /** Exit code for a usage or input problem (bad file, rejected object). */
    public static final int INPUT = 1;
    /** Exit code when something qmesh needs is not running or not reachable. */
    public static final int UNAVAILABLE = 2;

    private final int exitCode;

    public CliException(String message) {
        this(message, INPUT);
    }

    public CliException(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
