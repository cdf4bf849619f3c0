package io.qmesh.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qmesh.proxy.testing.NamespaceSidecar;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * iptables REDIRECT capture, proven in a real network namespace (root only; CI runs as root).
 *
 * <p>The namespace gets Istio's outbound capture in its essentials (nat OUTPUT: skip group 1337 and
 * loopback, REDIRECT every other TCP connection to 15001), a veth pair with the "pod" addresses
 * and a route for the service VIPs (10.96.0.0/16) that nothing answers. {@link NamespaceSidecar} runs
 * the proxy there as its own JVM with group 1337. Clients (curl, bash) run as root in the namespace,
 * so they are captured; the only way their connection to a VIP can succeed is through the proxy,
 * which must read SO_ORIGINAL_DST to learn the port they dialled.
 *
 * <p>Inbound, a second namespace ({@code CLIENT_NS}, the other end of the veth) plays another pod: its
 * connections to this pod's address arrive through PREROUTING and are REDIRECTed to 15006, as Istio's
 * ISTIO_INBOUND does; virtualInbound must find the dialled port to pick the 9080 chain, and deliver to the
 * app from 127.0.0.6 (upstream_bind_config).
 */
class RedirectCaptureNamespaceTest {

    static final String NS = "qmesh-proxy-" + ProcessHandle.current().pid();
    static final String CLIENT_NS = "qmesh-client-" + ProcessHandle.current().pid();
    static Process sidecar;

    @BeforeAll
    static void createNamespace() throws Exception {
        assumeTrue(run("id", "-u").output().equals("0"), "skipped: the REDIRECT capture test needs root (CI runs as root)");
        for (String tool : List.of("iptables", "ip", "setpriv", "curl")) {
            assumeTrue(run("sh", "-c", "command -v " + tool).ok(), "skipped: the REDIRECT capture test needs " + tool);
        }
        must("ip", "netns", "add", NS);
        must("ip", "-n", NS, "link", "set", "lo", "up");
        must("ip", "-n", NS, "link", "add", "qpod0", "type", "veth", "peer", "name", "qpod1");
        must("ip", "-n", NS, "addr", "add", "198.51.100.1/24", "dev", "qpod0");
        must("ip", "-n", NS, "addr", "add", NamespaceSidecar.REVIEWS_POD + "/32", "dev", "qpod0");
        must("ip", "-n", NS, "addr", "add", NamespaceSidecar.MYSQL_POD + "/32", "dev", "qpod0");
        must("ip", "-n", NS, "addr", "add", NamespaceSidecar.EXTERNAL_HOST + "/32", "dev", "qpod0");
        must("ip", "-n", NS, "link", "set", "qpod0", "up");
        must("ip", "netns", "add", CLIENT_NS);
        must("ip", "-n", NS, "link", "set", "qpod1", "netns", CLIENT_NS);
        must("ip", "-n", CLIENT_NS, "addr", "add", "198.51.100.99/24", "dev", "qpod1");
        must("ip", "-n", CLIENT_NS, "link", "set", "qpod1", "up");
        must("ip", "-n", NS, "route", "add", "10.96.0.0/16", "dev", "qpod0");
        mustInNs("iptables", "-t", "nat", "-N", "QMESH_OUTPUT");
        mustInNs("iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-j", "QMESH_OUTPUT");
        mustInNs("iptables", "-t", "nat", "-A", "QMESH_OUTPUT", "-m", "owner", "--gid-owner", "1337", "-j", "RETURN");
        mustInNs("iptables", "-t", "nat", "-A", "QMESH_OUTPUT", "-d", "127.0.0.1/32", "-j", "RETURN");
        mustInNs("iptables", "-t", "nat", "-A", "QMESH_OUTPUT", "-p", "tcp", "-j", "REDIRECT", "--to-ports",
                String.valueOf(NamespaceSidecar.OUTBOUND_PORT));

        mustInNs("iptables", "-t", "nat", "-N", "QMESH_INBOUND");
        mustInNs("iptables", "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "-j", "QMESH_INBOUND");
        mustInNs("iptables", "-t", "nat", "-A", "QMESH_INBOUND", "-p", "tcp", "-j", "REDIRECT", "--to-ports",
                String.valueOf(NamespaceSidecar.INBOUND_PORT));

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        sidecar = new ProcessBuilder("ip", "netns", "exec", NS, "setpriv", "--regid", "1337", "--clear-groups", "--",
                java, "-Dio.netty.leakDetectionLevel=paranoid", "-cp", System.getProperty("java.class.path"),
                NamespaceSidecar.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(sidecar.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return e.toString();
            }
        }).get(60, TimeUnit.SECONDS);
        assertEquals("ready", line, "the sidecar JVM in " + NS + " did not start");
    }

    @AfterAll
    static void deleteNamespace() throws Exception {
        if (sidecar != null) {
            sidecar.getOutputStream().close();
            if (!sidecar.waitFor(10, TimeUnit.SECONDS)) {
                sidecar.destroyForcibly();
            }
        }
        run("ip", "netns", "del", NS);
        run("ip", "netns", "del", CLIENT_NS);
    }

    @Test
    void httpIsRoutedByTheDialledPortEvenWhenHostCarriesNone() {
        // Host "reviews" names no port: only SO_ORIGINAL_DST says this connection was for :9080.
        Result r = inNs("curl", "-s", "-i", "--max-time", "10", "-H", "Host: reviews",
                "http://" + NamespaceSidecar.REVIEWS_VIP + ":9080/ratings");
        assertTrue(r.output().startsWith("HTTP/1.1 200"), r.output());
        assertTrue(r.output().contains("x-envoy-upstream-service-time"), r.output());
        assertTrue(r.output().endsWith("reviews-pod host=reviews"), r.output());
    }

    @Test
    void httpToTheVipWithItsPortIsRoutedToThePod() {
        Result r = inNs("curl", "-s", "--max-time", "10", "http://" + NamespaceSidecar.REVIEWS_VIP + ":9080/");
        assertEquals("reviews-pod host=" + NamespaceSidecar.REVIEWS_VIP + ":9080", r.output());
    }

    @Test
    void tcpIsHandedToTheListenerOfTheDialledPort() {
        // No bytes say where a TCP connection was going: the 0.0.0.0_9090 tcp_proxy chain is chosen at
        // accept time from the original destination, and relays to the mysqldb pod.
        Result r = inNs("bash", "-c", "exec 3<>/dev/tcp/" + NamespaceSidecar.MYSQL_VIP + "/9090; echo hello >&3; "
                + "read -t 10 line <&3; echo \"$line\"");
        assertEquals("mysql-pod:hello", r.output());
    }

    @Test
    void aPortWithoutListenerIsPassedThroughToTheOriginalDestination() {
        // No listener for :7070 and no cluster for the host: virtualOutbound's catch-all tcp_proxy sends
        // the bytes to PassthroughCluster, whose endpoint is the connection's original destination.
        Result r = inNs("curl", "-s", "--max-time", "10", "http://" + NamespaceSidecar.EXTERNAL_HOST + ":7070/");
        assertEquals("external host=" + NamespaceSidecar.EXTERNAL_HOST + ":7070", r.output());
    }

    @Test
    void anUnknownHostOnAnHttpPortIsRoutedToPassthroughAndItsOriginalDestination() {
        // 0.0.0.0_9080 takes the request; no service has this host, so route "9080"'s allow_any
        // virtual host sends it to PassthroughCluster, i.e. to where the client connected.
        Result r = inNs("curl", "-s", "-i", "--max-time", "10", "http://" + NamespaceSidecar.EXTERNAL_HOST + ":9080/x");
        assertTrue(r.output().contains("x-envoy-upstream-service-time"), r.output());
        assertTrue(r.output().endsWith("external host=" + NamespaceSidecar.EXTERNAL_HOST + ":9080"), r.output());
    }

    @Test
    void inboundCaptureReachesTheAppThroughVirtualInboundFrom127006() {
        // From another pod: PREROUTING redirects to 15006; only the original destination says "port 9080".
        Result r = run("ip", "netns", "exec", CLIENT_NS, "curl", "-s", "--max-time", "10",
                "http://" + NamespaceSidecar.POD_IP + ":9080/");
        assertEquals("app from=127.0.0.6", r.output());
    }

    @Test
    void withoutTheCaptureTheVipIsUnreachable() {
        // The proxy's own group is not captured: the same request from group 1337 goes nowhere.
        Result r = inNs("setpriv", "--regid", "1337", "--clear-groups", "--", "curl", "-s", "--max-time", "1",
                "http://" + NamespaceSidecar.REVIEWS_VIP + ":9080/");
        assertNotEquals(0, r.exitCode(), r.output());
    }

    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    static Result inNs(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", NS));
        full.addAll(List.of(command));
        return run(full.toArray(String[]::new));
    }

    static void mustInNs(String... command) {
        Result r = inNs(command);
        assertEquals(0, r.exitCode(), String.join(" ", command) + ": " + r.output());
    }

    static void must(String... command) {
        Result r = run(command);
        assertEquals(0, r.exitCode(), String.join(" ", command) + ": " + r.output());
    }

    static Result run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, output);
            }
            return new Result(p.exitValue(), output);
        } catch (IOException | InterruptedException e) {
            return new Result(-1, e.toString());
        }
    }
}
