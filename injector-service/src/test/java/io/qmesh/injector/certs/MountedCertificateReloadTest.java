package io.qmesh.injector.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmesh.injector.testing.MountedCertificates;
import io.qmesh.injector.testing.Tls;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** A mounted certificate is served, and a rotated one is served without a restart. */
@QuarkusTest
@TestProfile(MountedCertificateReloadTest.Mounted.class)
class MountedCertificateReloadTest {

    public static class Mounted implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(MountedCertificates.class));
        }
    }

    @TestHTTPResource(value = "/", tls = true)
    URI base;

    @ConfigProperty(name = "injector.certs.mounted-dir")
    String mountedDir;

    @Test
    void servesTheMountedCertificateAndReloadsItOnRotation() throws Exception {
        Path dir = Path.of(mountedDir);
        X509Certificate first = Tls.parse(Files.readString(dir.resolve("tls.crt")));
        assertEquals(first, Tls.servedCertificate(base.getPort()));

        CertificateAuthority.Bundle rotated = CertificateAuthority.generate(List.of("localhost"), List.of("127.0.0.1"),
                Instant.now(), Duration.ofDays(1));
        MountedCertificates.writeBundle(dir, rotated);
        X509Certificate second = Tls.parse(rotated.certificatePem());

        assertTrue(Tls.eventually(Duration.ofSeconds(30), () -> {
            try {
                return second.equals(Tls.servedCertificate(base.getPort()));
            } catch (Exception e) {
                return false;
            }
        }), "the rotated certificate is served within the reload period");
    }
}
