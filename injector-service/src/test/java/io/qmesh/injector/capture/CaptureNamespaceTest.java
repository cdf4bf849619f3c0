package io.qmesh.injector.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The capture rules, proven in real network namespaces (root only; CI runs as root).
 *
 * <p>Two namespaces joined by a veth pair: "pod" (198.51.100.1) gets the rules, with a listener on
 * 15001 standing in for the sidecar's outbound listener and one on 15006 for the inbound one;
 * "remote" (198.51.100.2 and .3) runs the real servers. A third namespace, "tproxy"
 * (203.0.113.1, its own veth pair to "remote"), gets the TPROXY rules and a transparent listener
 * on 15006. All traffic stays inside these namespaces. A small C probe reports SO_ORIGINAL_DST
 * (REDIRECT) or the accepted socket's local address (TPROXY), so a captured connection shows where
 * it was going and an uncaptured one reaches the real server.
 */
class CaptureNamespaceTest {

    static final String POD_IP = "198.51.100.1";
    static final String REMOTE_IP = "198.51.100.2";
    static final String EXCLUDED_REMOTE_IP = "198.51.100.3";
    static final String TPROXY_POD_IP = "203.0.113.1";
    static final String TPROXY_REMOTE_IP = "203.0.113.2";

    static final String NS_POD = "qmesh-inj-" + ProcessHandle.current().pid() + "-pod";
    static final String NS_REMOTE = "qmesh-inj-" + ProcessHandle.current().pid() + "-remote";
    static final String NS_TPROXY = "qmesh-inj-" + ProcessHandle.current().pid() + "-tproxy";
    static final String PROBE = "target/capture-probe";

    static final List<String> ARGS = List.of("istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337",
            "-m", "REDIRECT", "-i", "*", "-x", EXCLUDED_REMOTE_IP + "/32", "-b", "*", "-d", "15090,15021,15020",
            "-o", "9081");

    static final List<Process> SERVERS = new ArrayList<>();
    static final CommandRunner HOST = CommandRunner.local();
    static IptablesInstaller podInstaller;

    @BeforeAll
    static void createNamespaces() throws Exception {
        assumeTrue(HOST.run(List.of("id", "-u")).output().equals("0"),
                "skipped: the namespace capture test needs root (CI runs as root)");
        assumeTrue(HOST.run(List.of("iptables", "--version")).ok() && HOST.run(List.of("ip", "-V")).ok(),
                "skipped: the namespace capture test needs iptables and iproute2");
        assumeTrue(HOST.run(List.of("gcc", "--version")).ok(), "skipped: the namespace capture test needs gcc");

        must(HOST, "gcc", "-O1", "-o", PROBE, "src/test/resources/capture/capture-probe.c");
        must(HOST, "ip", "netns", "add", NS_POD);
        must(HOST, "ip", "netns", "add", NS_REMOTE);
        must(HOST, "ip", "-n", NS_POD, "link", "add", "qveth-pod", "type", "veth", "peer", "name", "qveth-remote",
                "netns", NS_REMOTE);
        must(HOST, "ip", "-n", NS_POD, "addr", "add", POD_IP + "/24", "dev", "qveth-pod");
        must(HOST, "ip", "-n", NS_REMOTE, "addr", "add", REMOTE_IP + "/24", "dev", "qveth-remote");
        must(HOST, "ip", "-n", NS_REMOTE, "addr", "add", EXCLUDED_REMOTE_IP + "/24", "dev", "qveth-remote");
        for (String ns : List.of(NS_POD, NS_REMOTE)) {
            must(HOST, "ip", "-n", ns, "link", "set", "lo", "up");
        }
        must(HOST, "ip", "-n", NS_POD, "link", "set", "qveth-pod", "up");
        must(HOST, "ip", "-n", NS_REMOTE, "link", "set", "qveth-remote", "up");

        server(NS_REMOTE, 9080, "real-9080");
        server(NS_REMOTE, 9081, "real-9081");
        server(NS_POD, 15001, "outbound-listener");
        server(NS_POD, 15006, "inbound-listener");
        server(NS_POD, 15021, "health");
        server(NS_POD, 8080, "app");

        podInstaller = new IptablesInstaller(inNamespace(NS_POD));
        podInstaller.install(CaptureConfig.parse(ARGS));
    }

    @AfterAll
    static void deleteNamespaces() {
        SERVERS.forEach(Process::destroyForcibly);
        for (String ns : List.of(NS_POD, NS_REMOTE, NS_TPROXY)) {
            HOST.run(List.of("ip", "netns", "del", ns));
        }
    }

    @Test
    void outboundConnectionIsCapturedWithItsOriginalDestination() {
        assertEquals("outbound-listener original=" + REMOTE_IP + ":9080", call(NS_POD, REMOTE_IP, 9080, null));
    }

    @Test
    void proxyUidIsNotCaptured() {
        assertEquals("real-9080 original=none", call(NS_POD, REMOTE_IP, 9080, "1337"));
    }

    @Test
    void excludedOutboundPortIsNotCaptured() {
        assertEquals("real-9081 original=none", call(NS_POD, REMOTE_IP, 9081, null));
    }

    @Test
    void excludedOutboundCidrIsNotCaptured() {
        assertEquals("real-9080 original=none", call(NS_POD, EXCLUDED_REMOTE_IP, 9080, null));
    }

    @Test
    void inboundConnectionIsCapturedWithItsOriginalDestination() {
        assertEquals("inbound-listener original=" + POD_IP + ":8080", call(NS_REMOTE, POD_IP, 8080, null));
    }

    @Test
    void excludedInboundPortIsNotCaptured() {
        assertEquals("health original=none", call(NS_REMOTE, POD_IP, 15021, null));
    }

    @Test
    void reinstallingChangesNothing() {
        String before = rules(NS_POD, "nat");
        podInstaller.install(CaptureConfig.parse(ARGS));
        String after = rules(NS_POD, "nat");
        assertEquals(before, after);
        assertEquals(1, after.lines().filter(l -> l.equals("-A OUTPUT -p tcp -j ISTIO_OUTPUT")).count());
        assertEquals("outbound-listener original=" + REMOTE_IP + ":9080", call(NS_POD, REMOTE_IP, 9080, null));
    }

    @Test
    void tproxyCapturesInboundKeepingTheDestinationAndIsReplacedOnReinstall() throws Exception {
        // A second "pod" namespace, joined to "remote" by its own veth pair and subnet.
        must(HOST, "ip", "netns", "add", NS_TPROXY);
        must(HOST, "ip", "-n", NS_TPROXY, "link", "add", "qveth-tp", "type", "veth", "peer", "name", "qveth-tpr",
                "netns", NS_REMOTE);
        must(HOST, "ip", "-n", NS_TPROXY, "addr", "add", TPROXY_POD_IP + "/24", "dev", "qveth-tp");
        must(HOST, "ip", "-n", NS_REMOTE, "addr", "add", TPROXY_REMOTE_IP + "/24", "dev", "qveth-tpr");
        must(HOST, "ip", "-n", NS_TPROXY, "link", "set", "lo", "up");
        must(HOST, "ip", "-n", NS_TPROXY, "link", "set", "qveth-tp", "up");
        must(HOST, "ip", "-n", NS_REMOTE, "link", "set", "qveth-tpr", "up");
        server(NS_TPROXY, 15006, "inbound-tproxy", "tserver");
        server(NS_TPROXY, 8080, "app", "server");
        server(NS_TPROXY, 15021, "health", "server");

        IptablesInstaller installer = new IptablesInstaller(inNamespace(NS_TPROXY));
        List<String> tproxyArgs = new ArrayList<>(ARGS);
        tproxyArgs.set(tproxyArgs.indexOf("REDIRECT"), "TPROXY");
        installer.install(CaptureConfig.parse(tproxyArgs));
        installer.install(CaptureConfig.parse(tproxyArgs));

        // Captured by the transparent listener on 15006, which sees the address the client dialled.
        assertEquals("inbound-tproxy original=" + TPROXY_POD_IP + ":8080", call(NS_REMOTE, TPROXY_POD_IP, 8080, null));
        assertEquals("health original=none", call(NS_REMOTE, TPROXY_POD_IP, 15021, null));
        String mangle = rules(NS_TPROXY, "mangle");
        assertTrue(mangle.contains("-A ISTIO_TPROXY ! -d 127.0.0.1/32 -p tcp -j TPROXY --on-port 15006 --on-ip 0.0.0.0 --tproxy-mark 0x539/0xffffffff"), mangle);
        assertEquals(1, mangle.lines().filter(l -> l.equals("-A PREROUTING -p tcp -j ISTIO_INBOUND")).count(), mangle);
        String rulesV4 = inNamespace(NS_TPROXY).run(List.of("ip", "-f", "inet", "rule", "show")).output();
        assertEquals(1, rulesV4.lines().filter(l -> l.contains("fwmark 0x539 lookup 133")).count(), rulesV4);

        installer.install(CaptureConfig.parse(ARGS));
        assertTrue(!rules(NS_TPROXY, "mangle").contains("ISTIO"), "switching to REDIRECT removes the TPROXY rules");
    }

    static String call(String ns, String ip, int port, String uid) {
        List<String> command = new ArrayList<>(List.of(PROBE, "client", ip, String.valueOf(port)));
        if (uid != null) {
            command.add(uid);
        }
        CommandRunner.Result result = inNamespace(ns).run(command);
        assertEquals(0, result.exitCode(), result.output());
        return result.output();
    }

    /** The table's rules without counters, as iptables -S prints them. */
    static String rules(String ns, String table) {
        return inNamespace(ns).run(List.of("iptables", "-t", table, "-S")).output();
    }

    static CommandRunner inNamespace(String ns) {
        return CommandRunner.prefixed(List.of("ip", "netns", "exec", ns));
    }

    static void server(String ns, int port, String tag) throws Exception {
        server(ns, port, tag, "server");
    }

    /** Starts the probe in {@code mode} "server" or "tserver" (transparent, for TPROXY). */
    static void server(String ns, int port, String tag, String mode) throws Exception {
        Process process = new ProcessBuilder("ip", "netns", "exec", ns, PROBE, mode, String.valueOf(port), tag)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        SERVERS.add(process);
        String line = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertEquals("ready", line, "probe server " + tag + " in " + ns + " did not start");
    }

    static void must(CommandRunner runner, String... command) {
        CommandRunner.Result result = runner.run(List.of(command));
        assertEquals(0, result.exitCode(), String.join(" ", command) + ": " + result.output());
    }

    static String join(List<List<String>> commands) {
        return commands.stream().map(IptablesInstaller::shellQuote).collect(Collectors.joining("\n"));
    }
}
