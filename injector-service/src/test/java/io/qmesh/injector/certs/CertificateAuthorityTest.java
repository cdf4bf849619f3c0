package io.qmesh.injector.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmesh.injector.testing.Tls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

    @Test
    void servingCertificateIsSignedByTheCaForTheServiceNames() throws Exception {
        CertificateAuthority.Bundle bundle = CertificateAuthority.generate(
                ServingCertificates.serviceDnsNames("qmesh-injector", "qmesh-system"), List.of("127.0.0.1"),
                Instant.now(), Duration.ofDays(1));
        X509Certificate ca = Tls.parse(bundle.caCertificatePem());
        X509Certificate server = Tls.parse(bundle.certificatePem());

        server.verify(ca.getPublicKey());
        ca.verify(ca.getPublicKey());
        assertTrue(ca.getBasicConstraints() >= 0, "the CA certificate is a CA");
        assertEquals(-1, server.getBasicConstraints(), "the serving certificate is not a CA");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), server.getExtendedKeyUsage(), "serverAuth");
        List<String> names = server.getSubjectAlternativeNames().stream().map(n -> n.get(1).toString()).toList();
        assertEquals(List.of("qmesh-injector.qmesh-system.svc", "qmesh-injector", "qmesh-injector.qmesh-system",
                "qmesh-injector.qmesh-system.svc.cluster.local", "localhost", "127.0.0.1"), names);
        server.checkValidity();
        assertTrue(bundle.privateKeyPem().startsWith("-----BEGIN PRIVATE KEY-----"));
    }

    @Test
    void mountedCertificateIsPreferredOverGenerating(@TempDir Path dir) throws Exception {
        Path mounted = Files.createDirectories(dir.resolve("mounted"));
        Files.writeString(mounted.resolve("tls.crt"), "cert");
        Files.writeString(mounted.resolve("tls.key"), "key");
        var files = ServingCertificates.prepare(mounted, dir.resolve("generated"), List.of("x"), Instant.now());
        assertFalse(files.generated());
        assertEquals(mounted.resolve("tls.crt"), files.certificate());
        assertEquals(null, files.caBundle(), "no ca.crt mounted: nothing to publish");
        assertFalse(Files.exists(dir.resolve("generated")));
    }

    @Test
    void withoutMountedCertificateOneIsGeneratedWithOwnerOnlyKey(@TempDir Path dir) throws Exception {
        var files = ServingCertificates.prepare(dir.resolve("absent"), dir.resolve("generated"), List.of("x"), Instant.now());
        assertTrue(files.generated());
        Tls.parse(Files.readString(files.certificate())).verify(Tls.parse(Files.readString(files.caBundle())).getPublicKey());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(files.privateKey())));
    }
}
