package io.qmesh.injector.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/** The injector's typed configuration ({@code injector.*} in application.properties or env). */
@ConfigMapping(prefix = "injector")
public interface InjectorConfig {

    @WithDefault("ghcr.io/qmesh/proxy:0.1.0")
    String proxyImage();

    @WithDefault("qmesh-pilot.qmesh-system.svc:15010")
    String pilotAddress();

    @WithDefault("cluster.local")
    String trustDomain();

    @WithDefault("Kubernetes")
    String clusterId();

    @WithDefault("cluster.local")
    String meshId();

    @WithDefault("default")
    String revision();

    @WithDefault("warning")
    String logLevel();

    /**
     * true: native sidecars (Kubernetes >= 1.29); false: classic. Unset, as Istio: native when the
     * API server reports 1.29 or later, classic when it is older or does not answer at startup.
     */
    Optional<Boolean> nativeSidecars();

    @WithDefault("REDIRECT")
    String interceptionMode();

    @WithDefault("ENABLED")
    MeshConfig.Policy policy();

    Optional<List<String>> neverInjectSelectors();

    Optional<List<String>> alwaysInjectSelectors();

    /** A sidecar template file (e.g. mounted from a ConfigMap); the built-in one when absent. */
    Optional<String> templatePath();

    Resources resources();

    /** Read by CertificateBootstrap before startup; declared here so that they are documented and validated. */
    Certs certs();

    /** The Service name the serving certificate is issued for. */
    @WithDefault("qmesh-injector")
    String serviceName();

    Registration registration();

    interface Certs {
        @WithDefault("/etc/qmesh/certs")
        String mountedDir();

        Optional<String> generatedDir();

        @WithDefault("60")
        int reloadPeriodSeconds();

        /** The CA bundle to publish in the webhook configuration; set by CertificateBootstrap. */
        Optional<String> caBundleFile();
    }

    interface Registration {
        /** Keep the caBundle of this MutatingWebhookConfiguration equal to our CA (as istiod does). */
        @WithDefault("true")
        boolean patchCaBundle();

        @WithDefault("qmesh-sidecar-injector")
        String webhookConfigurationName();

        /** How often the informer re-checks the caBundle (retries failed patches, picks up a rotated CA). */
        @WithDefault("60")
        int resyncSeconds();
    }

    interface Resources {
        @WithDefault("100m")
        String cpuRequest();

        @WithDefault("128Mi")
        String memoryRequest();

        /** Set to the empty string for no limit. */
        @WithDefault("2000m")
        Optional<String> cpuLimit();

        @WithDefault("1024Mi")
        Optional<String> memoryLimit();
    }

    /**
     * Converts to the immutable value the injector works with, with the sidecar mode resolved;
     * fails fast on invalid settings.
     */
    default MeshConfig toMeshConfig(boolean nativeSidecars) {
        return new MeshConfig(proxyImage(), pilotAddress(), trustDomain(), clusterId(), meshId(), revision(),
                new MeshConfig.ProxyResources(resources().cpuRequest(), resources().memoryRequest(),
                        resources().cpuLimit().orElse(null), resources().memoryLimit().orElse(null)),
                logLevel(), nativeSidecars, interceptionMode(), policy(),
                neverInjectSelectors().orElse(List.of()).stream()
                        .map(s -> LabelSelectorExpression.parse("injector.never-inject-selectors", s)).toList(),
                alwaysInjectSelectors().orElse(List.of()).stream()
                        .map(s -> LabelSelectorExpression.parse("injector.always-inject-selectors", s)).toList());
    }
}
