package io.qmesh.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Builds the pilot, injector and proxy images (deploy/images/build.sh, from the modules' packaged
 * target/quarkus-app) and runs deploy/'s Deployments with them under rootful podman and runc (see
 * DEVELOPERS.md and {@link PodmanPod}): every probe of the manifests must pass, pilot's init
 * container must give it a webhook certificate, the injector must read the ConfigMap template, the
 * gateway must get its config from pilot; then a bookinfo pod injected by the injector image runs
 * with its sidecar from the proxy image, and its app answers through the capture rules. There is no
 * API server: pilot runs on its local platform and the injector does not register itself (two env
 * overrides). The proxy image's istio-init mode also installs the capture rules on its own.
 * Skipped, with the reason, when podman is missing, not root, or the services are not packaged.
 */
class ContainerImagesIT {

    static final String RUN = "qmesh-it-" + UUID.randomUUID().toString().substring(0, 8);
    static final Path WORK = Manifests.DEPLOY.resolve("target/images-it");
    static final String NETWORK = RUN + "-net";
    static final List<PodmanPod> PODS = new ArrayList<>();
    static PodmanPod pilot;
    static PodmanPod injector;
    static PodmanPod gateway;
    static PodmanPod details;

    @BeforeAll
    static void buildImages() throws Exception {
        assumeTrue(run(List.of("podman", "--version"), Duration.ofSeconds(30)).exit == 0,
                "podman is not installed (apt-get install podman buildah runc debootstrap; see DEVELOPERS.md)");
        assumeTrue("root".equals(System.getProperty("user.name")),
                "podman must run rootful (see DEVELOPERS.md); running as " + System.getProperty("user.name"));
        for (String module : List.of("pilot-service", "injector-service", "proxy-service")) {
            assumeTrue(Files.isRegularFile(Manifests.REPOSITORY.resolve(module + "/target/quarkus-app/quarkus-run.jar")),
                    module + " is not packaged: ./mvnw -B verify packages it before this module (or ./mvnw -pl "
                            + module + " package)");
        }
        Files.createDirectories(WORK);
        Instant start = Instant.now();
        Result build = run(List.of(Manifests.DEPLOY.resolve("images/build.sh").toString(), "--skip-maven",
                "pilot", "injector", "proxy"), Duration.ofMinutes(10));
        Files.writeString(WORK.resolve("build.log"), build.output);
        assertEquals(0, build.exit, "build.sh failed:\n" + build.output);
        System.out.printf("ContainerImagesIT: images built in %d s%n", Duration.between(start, Instant.now()).toSeconds());
        startControlPlane();
    }

    /** The control plane of deploy/, started once for the tests below; each test waits for what it needs. */
    static void startControlPlane() throws Exception {
        List<Deployment> deployments = DeployManifestsTest.typed(Manifests.DEPLOY, Deployment.class);
        List<ConfigMap> configMaps = DeployManifestsTest.typed(Manifests.DEPLOY, ConfigMap.class);
        pilot = pod(deployments, configMaps, "qmesh-pilot", Map.of("PILOT_PLATFORM", "local"));
        injector = pod(deployments, configMaps, "qmesh-injector",
                Map.of("INJECTOR_REGISTRATION_PATCH_CA_BUNDLE", "false", "INJECTOR_NATIVE_SIDECARS", "true"));
        gateway = pod(deployments, configMaps, "istio-ingressgateway",
                Map.of("PILOT_ADDRESS", "127.0.0.1:15010", "ISTIO_META_INTERCEPTION_MODE", "NONE"));
        check(run(List.of("podman", "network", "create", NETWORK), Duration.ofSeconds(60)));
        // Sidecars find pilot by its Service name, as in the cluster; the gateway shares pilot's
        // network namespace and reaches it on 127.0.0.1.
        pilot.start(NETWORK, List.of("qmesh-pilot.qmesh-system.svc"), gateway.ports());
        gateway.startIn(pilot);
        injector.start(null, List.of(), List.of());
    }

    @AfterAll
    static void removeContainers() throws Exception {
        if (Boolean.getBoolean("deploy.images.keep")) {
            System.out.println("ContainerImagesIT: -Ddeploy.images.keep=true: containers " + RUN + "-* are left running");
            return;
        }
        // Last started first: a pod's infra container goes after the containers using its network.
        for (int i = PODS.size() - 1; i >= 0; i--) {
            PODS.get(i).remove(WORK);
        }
        if (!PODS.isEmpty()) {
            run(List.of("podman", "network", "rm", "--force", NETWORK), Duration.ofSeconds(60));
        }
    }

    @Test
    void theControlPlaneDeploymentsStartAndPassTheirProbes() throws Exception {
        SSLContext pilotCa = trusting(pilot.volumes.resolve("serving-certs/ca.crt"));
        pilot.awaitProbes(pilotCa);
        gateway.awaitProbes(pilotCa);
        // The webhook port serves TLS with the init container's certificate for 127.0.0.1.
        awaitOk(client(pilotCa), URI.create("https://" + pilot.published(15017) + "/q/health/live"));
        injector.awaitProbes(trusting(injector.volumes.resolve("tmp/qmesh-injector-certs/ca.crt")));
        String log = run(List.of("podman", "logs", injector.containerName("injector")), Duration.ofSeconds(30)).output;
        assertTrue(log.contains("sidecar template: /etc/qmesh/template/sidecar-template.yaml"), "template from the ConfigMap:\n" + log);
    }

    /**
     * bookinfo's details Deployment, injected by the injector image's kube-inject, runs as a pod:
     * istio-init installs the capture rules, and the istio-proxy sidecar (the proxy image with the
     * template's args and env) reaches pilot by its Service name past those rules and passes its
     * startup probe only once pilot's xDS arrived; pilot knows the workload with the pod's labels,
     * which the sidecar read from the downward API volume.
     */
    @Test
    void anInjectedBookinfoPodGetsItsSidecarConfigFromPilot() throws Exception {
        PodmanPod pod = injectedDetails();
        String registry = client(null).send(HttpRequest.newBuilder(URI.create("http://" + pilot.published(15014)
                + "/debug/registryz")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(registry.contains("\"hostname\":\"details.bookinfo.svc.cluster.local\"")
                && registry.contains("\"app\":\"details\"") && registry.contains("\"version\":\"v1\""), registry);
        awaitOk(client(null), URI.create("http://" + pod.published(15021) + "/healthz/ready"));
    }

    /**
     * A request from outside the pod to the app's port is captured (ISTIO_INBOUND -> 15006), goes
     * through the sidecar's virtualInbound listener and reaches details.
     */
    @Test
    void anInjectedPodServesThroughTheInboundCapture() throws Exception {
        PodmanPod pod = injectedDetails();
        HttpClient http = client(null);
        URI book = URI.create("http://" + pod.published(9080) + "/details/0");
        awaitOk(http, book);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(book).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(response.body().contains("William Shakespeare"), response.body());
        String stats = http.send(HttpRequest.newBuilder(URI.create("http://" + pod.published(15090) + "/stats/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        // Pilot runs on its local platform here, so the port's protocol comes from the pod's unnamed containerPort
        // (TCP, as upstream bookinfo's Deployments have it); on a cluster the Service's port name "http" makes it HTTP.
        assertTrue(stats.lines().anyMatch(l -> l.startsWith("istio_tcp_connections_opened_total{reporter=\"destination\"")
                        && l.contains("destination_service=\"inbound|9080||\"")),
                "the sidecar's virtualInbound took the captured connection to inbound|9080||:\n" + stats);
    }

    /** The injected details pod, started once (its sidecar's startup probe passed). */
    private static synchronized PodmanPod injectedDetails() throws Exception {
        if (details != null) {
            return details;
        }
        Result injected = check(run(concat(PodmanPod.PODMAN, List.of("run", "--rm", "-v", Manifests.BOOKINFO + ":/in:ro"),
                PodmanPod.LIMITS, List.of("ghcr.io/qmesh/injector:0.1.0", "kube-inject", "-f", "/in/01-bookinfo.yaml")),
                Duration.ofMinutes(2)));
        Deployment deployment = Manifests.YAML.readerFor(Map.class).<Map<String, Object>>readValues(injected.output).readAll().stream()
                .filter(d -> "Deployment".equals(d.get("kind")) && "details-v1".equals(((Map<?, ?>) d.get("metadata")).get("name")))
                .map(d -> StrictModel.SERIALIZATION.convertValue(d, Deployment.class)).findFirst().orElseThrow();
        assertEquals(List.of("istio-init", "istio-proxy"),
                deployment.getSpec().getTemplate().getSpec().getInitContainers().stream().map(Container::getName).toList());
        PodmanPod pod = new PodmanPod(RUN + "-details", deployment, Map.of(), List.of(), WORK);
        PODS.add(pod);
        pilot.awaitProbes(trusting(pilot.volumes.resolve("serving-certs/ca.crt")));
        pod.start(NETWORK, List.of(), List.of());
        details = pod;
        return pod;
    }

    @Test
    void theProxyImagesInitModeInstallsTheCaptureRules() throws Exception {
        Result result = check(run(concat(PodmanPod.PODMAN, List.of("run", "--rm", "--user", "0", "--cap-drop", "ALL",
                "--cap-add", "NET_ADMIN,NET_RAW", "--entrypoint", "/bin/bash"), PodmanPod.LIMITS,
                List.of("ghcr.io/qmesh/proxy:0.1.0", "-c", "qmesh-proxy istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT"
                        + " -i '*' -x '' -b '*' -d 15090,15021,15020 && iptables -t nat -S")), Duration.ofMinutes(2)));
        assertTrue(result.output.contains("-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001"), result.output);
        assertTrue(result.output.contains("-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006"), result.output);
        assertTrue(result.output.contains("-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN"), result.output);
    }

    private static PodmanPod pod(List<Deployment> deployments, List<ConfigMap> configMaps, String name,
                                 Map<String, String> overrides) {
        Deployment deployment = deployments.stream().filter(d -> d.getMetadata().getName().equals(name)).findFirst().orElseThrow();
        PodmanPod pod = new PodmanPod(RUN + "-" + name, deployment, overrides, configMaps, WORK);
        PODS.add(pod);
        return pod;
    }

    static void awaitOk(HttpClient http, URI uri) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(180));
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError(uri + " did not answer 200 within 180 s; last: " + last + " (container logs in " + WORK + ")");
    }

    /** An HTTP client trusting {@code tls}'s CAs (null: the JDK's defaults, for plain HTTP). */
    static HttpClient client(SSLContext tls) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        return (tls == null ? builder : builder.sslContext(tls)).build();
    }

    /** Trusts only the CA in {@code caFile} (written by the pod into one of its volumes), once it exists. */
    private static SSLContext trusting(Path caFile) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(180));
        while (!Files.isReadable(caFile) && Instant.now().isBefore(deadline)) {
            Thread.sleep(250);
        }
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(caFile))));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    record Result(int exit, String output) {
    }

    static Result check(Result result) {
        assertEquals(0, result.exit, result.output);
        return result;
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> out = new ArrayList<>();
        for (List<String> part : parts) {
            out.addAll(part);
        }
        return out;
    }

    static Result run(List<String> command, Duration timeout) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        }
        process.getOutputStream().close();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
        }
        reader.join(5000);
        return new Result(process.isAlive() ? -1 : process.exitValue(), output.toString());
    }
}
