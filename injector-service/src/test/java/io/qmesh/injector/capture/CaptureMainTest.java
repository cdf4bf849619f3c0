package io.qmesh.injector.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code istio-iptables --dry-run} prints exactly the rules of the golden files
 * {@code capture/<mode>.rules} (regenerate with {@code -Dinject.refresh-golden=true});
 * invalid flags and unusable iptables give clear errors.
 */
class CaptureMainTest {

    static final boolean REFRESH = Boolean.getBoolean("inject.refresh-golden");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // The injector's default istio-init arguments.
        "redirect-defaults|istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT -i * -x '' -b * -d 15090,15021,15020",
        // Every include/exclude option.
        "redirect-selective|istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT -i 10.96.0.0/12,10.244.0.0/16 -x 10.96.0.1/32 -b 8080,8443 -d 15090,15021,15020 -q 80,443 -o 5432",
        "tproxy|istio-iptables -p 15001 -z 15006 -u 1337 -m TPROXY -i * -x '' -b * -d 15090,15021,15020,8443",
        "no-inbound|istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT -i * -x '' -b '' -d 15090,15021,15020",
    })
    void dryRunPrintsTheGoldenRules(String name, String commandLine) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of(commandLine.replace("''", "\u0000").split(" ")));
        args.replaceAll(a -> a.equals("\u0000") ? "" : a);
        args.add("--dry-run");
        Output output = run(args, command -> {
            throw new AssertionError("--dry-run must not run anything: " + command);
        });
        assertEquals(0, output.exitCode, output.err);
        Path golden = Path.of("src/test/resources/capture", name + ".rules");
        if (REFRESH) {
            Files.writeString(golden, output.out);
        }
        assertEquals(Files.readString(golden), output.out);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-m IPVS|istio-iptables: -m: IPVS (expected: REDIRECT or TPROXY)",
        "-p 0|istio-iptables: -p: '0' (expected: a port 1-65535)",
        "-x 10.0.0.0/40|istio-iptables: -x: '10.0.0.0/40' (expected: comma-separated IPv4 CIDRs)",
        "-i *,10.0.0.1|istio-iptables: -i: '*' (expected: * or comma-separated IPv4 CIDRs)",
        "-d http|istio-iptables: -d: 'http' (expected: a port 1-65535)",
        "-u|istio-iptables: -u: missing value",
        "-k 1|istio-iptables: -k: unknown flag (expected one of -p -z -u -g -m -i -x -b -d -q -o --dry-run)",
    })
    void invalidFlagsExitWithUsageErrorNamingTheFlag(String args, String message) {
        Output output = run(List.of(args.split(" ")), command -> new CommandRunner.Result(0, ""));
        assertEquals(2, output.exitCode);
        assertEquals(message, output.err.strip());
    }

    @Test
    void missingIptablesIsReportedClearly() {
        Output output = run(List.of("-m", "REDIRECT"), CommandRunner.prefixed(List.of("env", "PATH=/nonexistent")));
        assertEquals(1, output.exitCode);
        assertTrue(output.err.startsWith("istio-iptables: iptables not found ("), output.err);
        assertTrue(output.err.contains("the init container's image must contain iptables"), output.err);
    }

    @Test
    void iptablesWithoutPrivilegeIsReportedClearly() {
        assumeTrue(CommandRunner.local().run(List.of("id", "-u")).output().equals("0"),
                "skipped: dropping privileges with setpriv needs root");
        Output output = run(List.of("-m", "REDIRECT"), CommandRunner.prefixed(
                List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")));
        assertEquals(1, output.exitCode);
        assertTrue(output.err.startsWith("istio-iptables: iptables is not permitted ("), output.err);
        assertTrue(output.err.contains("run as root with the NET_ADMIN and NET_RAW capabilities"), output.err);
    }

    record Output(int exitCode, String out, String err) {
    }

    static Output run(List<String> args, CommandRunner runner) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CaptureMain.run(args, runner, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Output(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
