package io.qmesh.injector.testing;

import io.qmesh.injector.certs.CertificateAuthority;
import io.qmesh.injector.certs.ServingCertificates;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Starts the app with a "mounted" certificate (as from a Secret volume), reloaded every second. */
public class MountedCertificates implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        try {
            Path mounted = Files.createTempDirectory("qmesh-injector-mounted");
            writeBundle(mounted, CertificateAuthority.generate(List.of("localhost"), List.of("127.0.0.1"),
                    Instant.now(), Duration.ofDays(1)));
            var files = ServingCertificates.prepare(mounted, mounted.resolve("unused"), List.of("localhost"), Instant.now());
            Map<String, String> properties = new HashMap<>(files.quarkusProperties(Duration.ofSeconds(1)));
            properties.put("injector.certs.mounted-dir", mounted.toString());
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
    }

    /** Replaces the files the way a kubelet updates a Secret volume: each file atomically. */
    public static void writeBundle(Path dir, CertificateAuthority.Bundle bundle) throws IOException {
        write(dir.resolve("tls.key"), bundle.privateKeyPem());
        write(dir.resolve("tls.crt"), bundle.certificatePem());
        write(dir.resolve("ca.crt"), bundle.caCertificatePem());
    }

    private static void write(Path target, String content) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), ".tmp-", ".pem");
        Files.writeString(temp, content);
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
