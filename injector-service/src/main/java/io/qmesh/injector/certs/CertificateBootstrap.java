package io.qmesh.injector.certs;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Runs before Quarkus starts (the HTTPS server needs its certificate files at boot): resolves the
 * serving certificate and publishes its location as system properties for the TLS registry.
 *
 * <p>Settings (system property, or the environment variable in MicroProfile form, e.g.
 * {@code INJECTOR_CERTS_MOUNTED_DIR}): {@code injector.certs.mounted-dir} (default
 * {@code /etc/qmesh/certs}), {@code injector.certs.generated-dir} (default
 * {@code <tmp>/qmesh-injector-certs}), {@code injector.service-name} (default {@code qmesh-injector}),
 * {@code POD_NAMESPACE} (default {@code qmesh-system}), {@code injector.certs.reload-period-seconds}
 * (default 60).
 */
public final class CertificateBootstrap {

    private static final Logger LOG = Logger.getLogger(CertificateBootstrap.class);

    private CertificateBootstrap() {
    }

    public static Map<String, String> prepareAndPublish() {
        Path mounted = Path.of(setting("injector.certs.mounted-dir", "/etc/qmesh/certs"));
        Path generated = Path.of(setting("injector.certs.generated-dir",
                Path.of(System.getProperty("java.io.tmpdir"), "qmesh-injector-certs").toString()));
        String service = setting("injector.service-name", "qmesh-injector");
        String namespace = setting("pod.namespace", "qmesh-system");
        Duration reload = Duration.ofSeconds(Long.parseLong(setting("injector.certs.reload-period-seconds", "60")));

        ServingCertificates.CertificateFiles files = ServingCertificates.prepare(mounted, generated,
                ServingCertificates.serviceDnsNames(service, namespace), Instant.now());
        LOG.infof("serving certificate: %s (%s)", files.certificate(),
                files.generated() ? "generated, self-signed CA " + files.caBundle() : "mounted, reloaded every " + reload);
        Map<String, String> properties = files.quarkusProperties(reload);
        properties.forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
        return properties;
    }

    static String setting(String property, String fallback) {
        String value = System.getProperty(property);
        if (value == null) {
            value = System.getenv(property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
        return value == null || value.isBlank() ? fallback : value;
    }
}
