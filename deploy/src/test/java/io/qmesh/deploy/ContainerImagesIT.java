package io.qmesh.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Builds the pilot, injector and proxy images (deploy/images/build.sh, from the modules' packaged
 * target/quarkus-app) and runs them under rootful podman with runc, as DEVELOPERS.md describes:
 * pilot, the injector and the proxy as an ingress gateway share one network namespace (like the
 * containers of a Kubernetes pod), with read-only root file systems and a
 * tmpfs /tmp as in deploy/. Pilot and the injector must answer their health endpoints, and the
 * gateway must become ready, which it only does after pilot's xDS reached it. The proxy image's
 * istio-init mode installs the capture rules in a container of its own.
 * Skipped, with the reason, when podman is missing or not root.
 */
class ContainerImagesIT {

    static final List<String> PODMAN = List.of("podman", "--runtime", "runc");
    static final List<String> LIMITS = List.of("--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768");
    /** Name prefix of this run's containers. */
    static final String POD = "qmesh-images-it-" + UUID.randomUUID().toString().substring(0, 8);
    static final Path LOGS = Manifests.DEPLOY.resolve("target/images-it");

    @BeforeAll
    static void buildImages() throws Exception {
        assumeTrue(run(List.of("podman", "--version"), Duration.ofSeconds(30)).exit == 0,
                "podman is not installed (apt-get install podman buildah runc debootstrap; see DEVELOPERS.md)");
        assumeTrue("root".equals(System.getProperty("user.name")),
                "podman must run rootful (see DEVELOPERS.md); running as " + System.getProperty("user.name"));
        Files.createDirectories(LOGS);
        Instant start = Instant.now();
        Result build = run(List.of(Manifests.DEPLOY.resolve("images/build.sh").toString(), "--skip-maven",
                "pilot", "injector", "proxy"), Duration.ofMinutes(10));
        Files.writeString(LOGS.resolve("build.log"), build.output);
        assertEquals(0, build.exit, "build.sh failed:\n" + build.output);
        System.out.printf("ContainerImagesIT: images built in %d s%n", Duration.between(start, Instant.now()).toSeconds());
    }

    @AfterAll
    static void removeContainers() throws Exception {
        if (run(List.of("podman", "--version"), Duration.ofSeconds(30)).exit == 0) {
            for (String name : List.of("gateway", "injector", "pilot")) {
                Result logs = run(List.of("podman", "logs", POD + "-" + name), Duration.ofSeconds(30));
                Files.writeString(LOGS.resolve(name + ".log"), logs.output);
                run(List.of("podman", "rm", "--force", "--time", "2", POD + "-" + name), Duration.ofSeconds(60));
            }
        }
    }

    @Test
    void pilotInjectorAndGatewayStartAndAnswerTheirHealthEndpoints() throws Exception {
        // pilot's container owns the network namespace (and the published ports); the other two join
        // it, like the containers of one Kubernetes pod. (A podman pod's infra container cannot be
        // given the ulimits runc needs here.)
        List<String> common = List.of("--read-only", "--tmpfs", "/tmp:rw,size=64m", "-e", "POD_NAMESPACE=qmesh-system");
        List<String> shared = List.of("--network", "container:" + POD + "-pilot");
        check(podman(concat(List.of("run", "-d", "--name", POD + "-pilot", "-p", "127.0.0.1::15014",
                "-p", "127.0.0.1::15017", "-p", "127.0.0.1::15021"), LIMITS, common,
                List.of("-e", "PILOT_DATA_DIR=/tmp/pilot", "ghcr.io/qmesh/pilot:0.1.0"))));
        check(podman(concat(List.of("run", "-d", "--name", POD + "-injector"), shared, LIMITS, common,
                List.of("-e", "INJECTOR_REGISTRATION_PATCH_CA_BUNDLE=false", "-e", "INJECTOR_NATIVE_SIDECARS=true",
                        "ghcr.io/qmesh/injector:0.1.0"))));
        check(podman(concat(List.of("run", "-d", "--name", POD + "-gateway"), shared, LIMITS, common,
                List.of("-e", "POD_NAME=istio-ingressgateway-1", "-e", "INSTANCE_IP=127.0.0.1",
                        "-e", "PILOT_ADDRESS=127.0.0.1:15010", "-e", "ISTIO_META_INTERCEPTION_MODE=NONE",
                        "-e", "ISTIO_METAJSON_LABELS={\"istio\":\"ingressgateway\"}",
                        "ghcr.io/qmesh/proxy:0.1.0", "proxy", "router"))));

        HttpClient http = HttpClient.newBuilder().sslContext(injectorCa()).connectTimeout(Duration.ofSeconds(2)).build();
        awaitOk(http, URI.create("http://" + published(15014) + "/q/health/ready"));
        awaitOk(http, URI.create("https://" + published(15017) + "/q/health/ready"));
        awaitOk(http, URI.create("http://" + published(15021) + "/healthz/ready"));
        HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create("https://" + published(15017) + "/q/health/live")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode(), live.body());
    }

    @Test
    void theProxyImagesInitModeInstallsTheCaptureRules() throws Exception {
        Result result = podman(concat(List.of("run", "--rm", "--user", "0", "--cap-drop", "ALL", "--cap-add", "NET_ADMIN,NET_RAW",
                "--entrypoint", "/bin/bash"), LIMITS, List.of("ghcr.io/qmesh/proxy:0.1.0", "-c",
                "qmesh-proxy istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x '' -b '*' -d 15090,15021,15020"
                        + " && iptables -t nat -S")));
        check(result);
        assertTrue(result.output.contains("-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001"), result.output);
        assertTrue(result.output.contains("-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006"), result.output);
        assertTrue(result.output.contains("-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN"), result.output);
    }

    private static String published(int port) throws Exception {
        Result result = check(run(List.of("podman", "port", POD + "-pilot", port + "/tcp"), Duration.ofSeconds(30)));
        return result.output.strip().lines().findFirst().orElseThrow().replace("0.0.0.0", "127.0.0.1");
    }

    private static void awaitOk(HttpClient http, URI uri) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
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
        throw new AssertionError(uri + " did not answer 200 within 120 s; last: " + last + " (container logs in " + LOGS + ")");
    }

    /**
     * Trusts only the CA the injector generated at startup (read from its container), so the
     * handshake also proves the image serves a certificate that CA signed for 127.0.0.1.
     */
    private static SSLContext injectorCa() throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        Result ca;
        do {
            ca = podman("exec", POD + "-injector", "cat", "/tmp/qmesh-injector-certs/ca.crt");
            if (ca.exit == 0) {
                break;
            }
            Thread.sleep(250);
        } while (Instant.now().isBefore(deadline));
        check(ca);
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        trusted.setCertificateEntry("injector-ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(ca.output.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    record Result(int exit, String output) {
    }

    private static Result podman(String... args) throws Exception {
        return podman(List.of(args));
    }

    private static Result podman(List<String> args) throws Exception {
        return run(concat(PODMAN, args), Duration.ofMinutes(2));
    }

    private static Result check(Result result) {
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

    private static Result run(List<String> command, Duration timeout) throws Exception {
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
