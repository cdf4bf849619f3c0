package io.qmesh.injector.certs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides, before the HTTP server starts, which certificate the webhook serves: a mounted one
 * ({@code tls.crt}, {@code tls.key} and optionally {@code ca.crt} in the mounted directory, e.g. a
 * cert-manager Secret) or, when none is mounted, a CA and serving certificate generated into a
 * private directory. The result is expressed as Quarkus TLS-registry properties for the named TLS
 * configuration {@value #TLS_NAME}, which reloads the files periodically (rotation).
 */
public final class ServingCertificates {

    public static final String TLS_NAME = "webhook";
    /** The property the caBundle patcher reads; unset when a mounted certificate has no ca.crt. */
    public static final String CA_BUNDLE_PROPERTY = "injector.certs.ca-bundle-file";

    private ServingCertificates() {
    }

    /** Where the certificate files are, and whether this process generated them. */
    public record CertificateFiles(Path certificate, Path privateKey, Path caBundle, boolean generated) {

        /** Properties that point the Quarkus TLS registry (and the HTTPS server) at these files. */
        public Map<String, String> quarkusProperties(Duration reloadPeriod) {
            Map<String, String> properties = new LinkedHashMap<>();
            properties.put("quarkus.http.tls-configuration-name", TLS_NAME);
            properties.put("quarkus.tls." + TLS_NAME + ".key-store.pem.0.cert", certificate.toString());
            properties.put("quarkus.tls." + TLS_NAME + ".key-store.pem.0.key", privateKey.toString());
            properties.put("quarkus.tls." + TLS_NAME + ".reload-period", reloadPeriod.toSeconds() + "s");
            if (caBundle != null) {
                properties.put(CA_BUNDLE_PROPERTY, caBundle.toString());
            }
            return properties;
        }
    }

    /**
     * Uses the certificate mounted in {@code mountedDir} when both {@code tls.crt} and {@code tls.key}
     * exist there; otherwise generates a CA and serving certificate for {@code dnsNames} into
     * {@code generatedDir} (owner-only permissions).
     */
    public static CertificateFiles prepare(Path mountedDir, Path generatedDir, List<String> dnsNames, Instant now) {
        Path mountedCert = mountedDir.resolve("tls.crt");
        Path mountedKey = mountedDir.resolve("tls.key");
        if (Files.isReadable(mountedCert) && Files.isReadable(mountedKey)) {
            Path ca = mountedDir.resolve("ca.crt");
            return new CertificateFiles(mountedCert, mountedKey, Files.isReadable(ca) ? ca : null, false);
        }
        CertificateAuthority.Bundle bundle = CertificateAuthority.generate(dnsNames, List.of("127.0.0.1"), now,
                Duration.ofDays(3650));
        try {
            Files.createDirectories(generatedDir);
            Path cert = write(generatedDir.resolve("tls.crt"), bundle.certificatePem());
            Path key = write(generatedDir.resolve("tls.key"), bundle.privateKeyPem());
            Path ca = write(generatedDir.resolve("ca.crt"), bundle.caCertificatePem());
            return new CertificateFiles(cert, key, ca, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write generated certificates to " + generatedDir, e);
        }
    }

    /** The DNS names of the injector's Service, as the API server addresses it. */
    public static List<String> serviceDnsNames(String service, String namespace) {
        return List.of(service + "." + namespace + ".svc", service, service + "." + namespace,
                service + "." + namespace + ".svc.cluster.local", "localhost");
    }

    /** Writes atomically (temp file + move) so that a reload never sees half a file. */
    static Path write(Path target, String content) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), ".tmp-", ".pem");
        Files.writeString(temp, content);
        try {
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep the default permissions
        }
        return Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
