package io.qmesh.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.Probe;
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
 * target/quarkus-app) and runs the three Deployments of deploy/ with them under rootful podman and
 * runc (see DEVELOPERS.md and {@link PodmanPod}): pilot's init container makes its webhook
 * certificate, pilot serves HTTPS with it, the injector reads its template from the ConfigMap, the
 * gateway (sharing pilot's network namespace, so that it reaches pilot on 127.0.0.1:15010) becomes
 * ready only once pilot's xDS reached it. Every readiness and liveness probe of the manifests must
 * answer 200, over TLS verified against the CA the pod generated. There is no API server, so pilot
 * runs on its local platform and the injector does not register itself (two overrides).
 * The proxy image's istio-init mode installs the capture rules in a container of its own.
 * Skipped, with the reason, when podman is missing or not root.
 */
class ContainerImagesIT {

    static final String RUN = "qmesh-it-" + UUID.randomUUID().toString().substring(0, 8);
    static final Path WORK = Manifests.DEPLOY.resolve("target/images-it");
    static final List<PodmanPod> PODS = new ArrayList<>();

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
    }

    @AfterAll
    static void removeContainers() throws Exception {
        for (PodmanPod pod : PODS) {
            for (Container container : pod.spec().getContainers()) {
                String name = pod.containerName(container.getName());
                Files.writeString(WORK.resolve(name + ".log"), run(List.of("podman", "logs", name), Duration.ofSeconds(30)).output);
                run(List.of("podman", "rm", "--force", "--time", "2", name), Duration.ofSeconds(60));
            }
        }
    }

    @Test
    void theControlPlaneDeploymentsStartAndPassTheirProbes() throws Exception {
        List<Deployment> deployments = DeployManifestsTest.typed(Manifests.DEPLOY, Deployment.class);
        List<ConfigMap> configMaps = DeployManifestsTest.typed(Manifests.DEPLOY, ConfigMap.class);
        PodmanPod pilot = pod(deployments, configMaps, "qmesh-pilot", Map.of("PILOT_PLATFORM", "local"));
        PodmanPod injector = pod(deployments, configMaps, "qmesh-injector",
                Map.of("INJECTOR_REGISTRATION_PATCH_CA_BUNDLE", "false", "INJECTOR_NATIVE_SIDECARS", "true"));
        PodmanPod gateway = pod(deployments, configMaps, "istio-ingressgateway",
                Map.of("PILOT_ADDRESS", "127.0.0.1:15010", "ISTIO_META_INTERCEPTION_MODE", "NONE"));
        List<String> pilotPorts = new ArrayList<>(publishAll(pilot));
        pilotPorts.addAll(publishAll(gateway));
        pilot.start(null, pilotPorts);
        injector.start(null, publishAll(injector));
        gateway.start("container:" + pilot.containerName("pilot"), List.of());

        SSLContext pilotCa = trusting(pilot.volumes.resolve("serving-certs/ca.crt"));
        probe(pilot, pilot, pilotCa);
        probe(gateway, pilot, pilotCa);
        // The webhook port serves TLS with the init container's certificate for 127.0.0.1.
        awaitOk(client(pilotCa), URI.create("https://" + published(pilot, 15017) + "/q/health/live"));
        probe(injector, injector, trusting(injector.volumes.resolve("tmp/qmesh-injector-certs/ca.crt")));
        String log = run(List.of("podman", "logs", injector.containerName("injector")), Duration.ofSeconds(30)).output;
        assertTrue(log.contains("sidecar template: /etc/qmesh/template/sidecar-template.yaml"), "template from the ConfigMap:\n" + log);
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

    /** Every container port of the pod, published on an OS-chosen loopback port. */
    private static List<String> publishAll(PodmanPod pod) {
        return pod.spec().getContainers().stream().flatMap(c -> c.getPorts().stream())
                .map(p -> "127.0.0.1::" + p.getContainerPort()).toList();
    }

    /** Checks each readiness and liveness probe of {@code pod}'s containers through {@code network}'s published ports. */
    private static void probe(PodmanPod pod, PodmanPod network, SSLContext tls) throws Exception {
        HttpClient http = client(tls);
        for (Container container : pod.spec().getContainers()) {
            for (Probe probe : List.of(container.getReadinessProbe(), container.getLivenessProbe())) {
                if (probe.getHttpGet() != null) {
                    HTTPGetAction get = probe.getHttpGet();
                    int port = get.getPort().getIntVal() != null ? get.getPort().getIntVal()
                            : container.getPorts().stream().filter(p -> p.getName().equals(get.getPort().getStrVal()))
                            .map(ContainerPort::getContainerPort).findFirst().orElseThrow();
                    String scheme = get.getScheme() == null ? "http" : get.getScheme().toLowerCase();
                    awaitOk(http, URI.create(scheme + "://" + published(network, port) + get.getPath()));
                }
            }
        }
    }

    private static String published(PodmanPod pod, int port) throws Exception {
        String first = pod.containerName(pod.spec().getContainers().get(0).getName());
        Result result = check(run(List.of("podman", "port", first, port + "/tcp"), Duration.ofSeconds(30)));
        return result.output.strip().lines().findFirst().orElseThrow().replace("0.0.0.0", "127.0.0.1");
    }

    private static void awaitOk(HttpClient http, URI uri) throws Exception {
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

    private static HttpClient client(SSLContext tls) {
        return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(2)).build();
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
