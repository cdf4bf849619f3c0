package io.qmesh.cli.mesh;

import io.qmesh.cli.CliException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code qmesh up} runs, on loopback addresses of one /24 ({@code subnet}, default 127.0.0):
 *
 * <pre>
 *   .1            pilot (ADS 15010, HTTP 15014) and the ingress gateway (router, Gateway port 8080, admin 15000)
 *   .11 ... .16   pod IPs: each workload's sidecar (inbound 9080, outbound 15001, admin 15000)
 *   .111 ... .116 the apps behind them (9080), reachable only through their sidecar's inbound listener
 * </pre>
 *
 * Sidecars run in explicit-proxy mode ({@code INTERCEPTION_MODE=NONE}): the app's outbound proxy setting
 * points at its sidecar's 15001, and pilot binds each sidecar's inbound listener on the pod IP and delivers
 * to the app's address ({@code APP_ADDRESS}). Health and Prometheus ports of the proxies bind the wildcard
 * address, so each proxy gets free ones chosen by the OS.
 */
public record MeshPlan(Path home, Path runDir, String subnet, String pilotHttp, String pilotXds, String gatewayUrl,
                       List<ProcessSpec> processes) {

    public static final int GATEWAY_PORT = 8080;
    public static final int APP_PORT = 9080;
    public static final String POD_PORTS = "[{\"name\":\"http\",\"containerPort\":9080,\"protocol\":\"TCP\"}]";

    /** A bookinfo workload: service, version, last address byte of its pod IP, extra app environment. */
    record Workload(String service, String version, int host, Map<String, String> env) {
        String pod() {
            return service + "-" + version;
        }
    }

    static final List<Workload> BOOKINFO = List.of(
            new Workload("productpage", "v1", 11, Map.of()),
            new Workload("details", "v1", 12, Map.of()),
            new Workload("ratings", "v1", 13, Map.of()),
            new Workload("reviews", "v1", 14, Map.of("SERVICE_VERSION", "v1")),
            new Workload("reviews", "v2", 15, Map.of("SERVICE_VERSION", "v2")),
            new Workload("reviews", "v3", 16, Map.of("SERVICE_VERSION", "v3")));

    public static MeshPlan bookinfo(Path home, Path runDir, String subnet, List<String> javaOptions) {
        return bookinfo(home, runDir, subnet, javaOptions, List.of());
    }

    /**
     * The bookinfo mesh with extra app environment ({@code WORKLOAD:NAME=VALUE}, e.g. {@code reviews-v2:FAULT_MODE=error}),
     * so resilience demos can make one instance misbehave.
     */
    public static MeshPlan bookinfo(Path home, Path runDir, String subnet, List<String> javaOptions, List<String> appSettings) {
        Map<String, Map<String, String>> extraEnv = parseAppEnv(appSettings);
        if (!subnet.matches("127\\.\\d{1,3}\\.\\d{1,3}")) {
            throw new CliException("--subnet: \"" + subnet + "\" (expected: the first three bytes of a loopback /24, e.g. 127.0.0)");
        }
        Path logs = runDir.resolve("logs");
        String controlIp = subnet + ".1";
        String pilotHttp = controlIp + ":15014";
        String pilotXds = controlIp + ":15010";
        Path pilotJar = QmeshHome.snapshot(home, "pilot-service", runDir);
        Path proxyJar = QmeshHome.snapshot(home, "proxy-service", runDir);
        List<ProcessSpec> out = new ArrayList<>();

        out.add(new ProcessSpec("pilot", Role.PILOT, controlIp,
                java(javaOptions, pilotJar, List.of("-Dquarkus.http.host=" + controlIp, "-Dquarkus.http.port=15014",
                        "-Dpilot.xds.host=" + controlIp, "-Dpilot.xds.port=15010",
                        "-Dpilot.data-dir=" + runDir.resolve("pilot"), "-Dpilot.local.grace-period=5s")),
                Map.of(), logs.resolve("pilot.log"), URI.create("http://" + pilotHttp + "/debug/registryz"), null, null));

        Map<String, Path> appJars = new LinkedHashMap<>();
        for (Workload w : BOOKINFO) {
            appJars.computeIfAbsent(w.service(), s -> QmeshHome.snapshot(home, "bookinfo-demo/" + s, runDir));
        }
        for (Workload w : BOOKINFO) {
            String podIp = subnet + "." + w.host();
            String appIp = subnet + "." + (w.host() + 100);
            Map<String, String> appEnv = new LinkedHashMap<>(w.env());
            appEnv.putAll(extraEnv.getOrDefault(w.pod(), Map.of()));
            appEnv.put("QUARKUS_HTTP_HOST", appIp);
            appEnv.put("QUARKUS_HTTP_PORT", Integer.toString(APP_PORT));
            appEnv.put("HOSTNAME", w.pod());
            appEnv.put("BOOKINFO_OUTBOUND_PROXY", podIp + ":15001");
            out.add(new ProcessSpec(w.pod() + "-app", Role.APP, appIp,
                    java(javaOptions, appJars.get(w.service()), List.of()), appEnv,
                    logs.resolve(w.pod() + "-app.log"), URI.create("http://" + appIp + ":" + APP_PORT + "/health"), null, null));
        }
        for (Workload w : BOOKINFO) {
            String podIp = subnet + "." + w.host();
            Map<String, String> env = proxyEnv(w.pod(), "default", podIp, "sidecar", pilotXds,
                    "{\"app\":\"" + w.service() + "\",\"version\":\"" + w.version() + "\"}");
            env.put("SERVICE_ACCOUNT", "bookinfo-" + w.service());
            env.put("ISTIO_META_POD_PORTS", POD_PORTS);
            env.put("ISTIO_META_APP_ADDRESS", subnet + "." + (w.host() + 100));
            env.put("ISTIO_META_WORKLOAD_NAME", w.pod());
            env.put("ISTIO_META_APP_CONTAINERS", w.service());
            out.add(proxy(w.pod(), Role.SIDECAR, podIp, w.pod() + ".default", env, proxyJar, javaOptions, logs));
        }
        Map<String, String> gw = proxyEnv("istio-ingressgateway", "istio-system", controlIp, "router", pilotXds,
                "{\"istio\":\"ingressgateway\"}");
        out.add(proxy("istio-ingressgateway", Role.GATEWAY, controlIp, "istio-ingressgateway.istio-system", gw,
                proxyJar, javaOptions, logs));
        return new MeshPlan(home, runDir, subnet, pilotHttp, pilotXds,
                "http://" + controlIp + ":" + GATEWAY_PORT, List.copyOf(out));
    }

    static Map<String, Map<String, String>> parseAppEnv(List<String> settings) {
        List<String> pods = BOOKINFO.stream().map(Workload::pod).toList();
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (String setting : settings) {
            int colon = setting.indexOf(':');
            int equals = setting.indexOf('=', colon + 1);
            String pod = colon < 0 ? "" : setting.substring(0, colon);
            if (!pods.contains(pod) || equals <= colon + 1) {
                throw new CliException("--app-env: \"" + setting + "\" (expected: WORKLOAD:NAME=VALUE with WORKLOAD one of "
                        + String.join(", ", pods) + ", e.g. reviews-v2:FAULT_MODE=error)");
            }
            out.computeIfAbsent(pod, p -> new LinkedHashMap<>())
                    .put(setting.substring(colon + 1, equals), setting.substring(equals + 1));
        }
        return out;
    }

    private static Map<String, String> proxyEnv(String pod, String namespace, String ip, String type, String pilotXds,
                                                String labelsJson) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("POD_NAME", pod);
        env.put("POD_NAMESPACE", namespace);
        env.put("INSTANCE_IP", ip);
        env.put("ISTIO_META_INTERCEPTION_MODE", "NONE");
        env.put("ISTIO_METAJSON_LABELS", labelsJson);
        env.put("ISTIO_META_CLUSTER_ID", "Kubernetes");
        env.put("ISTIO_META_MESH_ID", "cluster.local");
        env.put("PROXY_PILOT_ADDRESS", pilotXds);
        env.put("PROXY_NODE_TYPE", type);
        env.put("PROXY_ADMIN_HOST", ip);
        env.put("PROXY_ADMIN_PORT", "15000");
        env.put("PROXY_WORKER_THREADS", "1");
        return env;
    }

    private static ProcessSpec proxy(String name, Role role, String ip, String proxyId, Map<String, String> env,
                                     Path jar, List<String> javaOptions, Path logs) {
        int health = freePort();
        env.put("PROXY_HEALTH_PORT", Integer.toString(health));
        env.put("PROXY_PROMETHEUS_PORT", Integer.toString(freePort()));
        String label = role == Role.SIDECAR ? name + "-sidecar" : name;
        return new ProcessSpec(label, role, ip, java(javaOptions, jar, List.of()), env, logs.resolve(label + ".log"),
                URI.create("http://127.0.0.1:" + health + "/healthz/ready"), URI.create("http://" + ip + ":15000"), proxyId);
    }

    private static List<String> java(List<String> javaOptions, Path jar, List<String> properties) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(javaOptions);
        cmd.addAll(properties);
        cmd.add("-jar");
        cmd.add(jar.toString());
        return cmd;
    }

    /** A port that was free a moment ago (only for ports bound on the wildcard address, see the class comment). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new CliException("no free port on this machine: " + e.getMessage(), CliException.UNAVAILABLE);
        }
    }

    /** The address:port pairs {@code up} binds that another program may hold, checked before starting anything. */
    public List<InetSocketAddress> fixedBinds() {
        String control = subnet + ".1";
        List<InetSocketAddress> out = new ArrayList<>(List.of(new InetSocketAddress(control, 15010),
                new InetSocketAddress(control, 15014), new InetSocketAddress(control, GATEWAY_PORT),
                new InetSocketAddress(control, 15000)));
        for (Workload w : BOOKINFO) {
            out.add(new InetSocketAddress(subnet + "." + w.host(), APP_PORT));
            out.add(new InetSocketAddress(subnet + "." + w.host(), 15001));
            out.add(new InetSocketAddress(subnet + "." + (w.host() + 100), APP_PORT));
        }
        return out;
    }

    public String productpageUrl() {
        return gatewayUrl + "/productpage";
    }

    public Path logsDir() {
        return runDir.resolve("logs");
    }
}
