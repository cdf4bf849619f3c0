package io.qmesh.injector.config;

import io.qmesh.injector.inject.Injector;
import io.qmesh.injector.inject.SidecarTemplate;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/** Builds the one {@link Injector} of the application from {@link InjectorConfig}. */
@Singleton
public class InjectorProducer {

    private static final Logger LOG = Logger.getLogger(InjectorProducer.class);

    @Produces
    @Singleton
    Injector injector(InjectorConfig config) {
        SidecarTemplate template = config.templatePath()
                .map(p -> SidecarTemplate.fromFile(Path.of(p)))
                .orElseGet(SidecarTemplate::builtIn);
        LOG.infof("sidecar template: %s", template.source());
        return new Injector(config.toMeshConfig(), template);
    }
}
