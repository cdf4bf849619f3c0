package io.qmesh.injector.config;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;
import io.qmesh.injector.inject.Injector;
import io.qmesh.injector.inject.SidecarTemplate;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Builds the one {@link Injector} of the application from {@link InjectorConfig}, at startup:
 * a bad template fails the start, and the API server is asked for its version (to choose the
 * sidecar mode when none is configured) before the first admission request, never during one.
 */
@Singleton
public class InjectorProducer {

    private static final Logger LOG = Logger.getLogger(InjectorProducer.class);
    /** How long the start waits, at most, for an API server that does not answer. */
    static final Duration VERSION_TIMEOUT = Duration.ofSeconds(5);

    @Produces
    @Singleton
    @Startup
    Injector injector(InjectorConfig config, KubernetesClient client) {
        SidecarTemplate template = config.templatePath()
                .map(p -> SidecarTemplate.fromFile(Path.of(p)))
                .orElseGet(SidecarTemplate::builtIn);
        LOG.infof("sidecar template: %s", template.source());
        boolean nativeSidecars = config.nativeSidecars().orElseGet(() -> detectNativeSidecars(client));
        return new Injector(config.toMeshConfig(nativeSidecars), template);
    }

    private static boolean detectNativeSidecars(KubernetesClient client) {
        Optional<VersionInfo> version = NativeSidecarSupport.serverVersion(client, VERSION_TIMEOUT);
        if (version.isEmpty()) {
            LOG.warnf("the API server did not report its version within %s: classic sidecars "
                    + "(set injector.native-sidecars to choose)", VERSION_TIMEOUT);
            return false;
        }
        boolean supported = NativeSidecarSupport.supported(version.get().getMajor(), version.get().getMinor());
        LOG.infof("Kubernetes %s.%s: %s sidecars", version.get().getMajor(), version.get().getMinor(),
                supported ? "native" : "classic");
        return supported;
    }
}
