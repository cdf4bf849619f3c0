package io.qmesh.pilot.server;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** All of pilot's settings, in one place ({@code pilot.*} in application.properties or PILOT_* env vars). */
@ConfigMapping(prefix = "pilot")
public interface PilotConfig {
    /** Where services, workloads and rules come from. */
    enum Platform { LOCAL, KUBERNETES }

    /** {@code local} (default): proxies register themselves, rules are stored by pilot; {@code kubernetes}: informers. */
    @WithDefault("local")
    Platform platform();

    /** Where rules are kept across restarts; without it rules live in memory only (a warning is logged). Local only. */
    Optional<Path> dataDir();

    Xds xds();

    Push push();

    Local local();

    Scope scope();

    Kubernetes kubernetes();

    interface Xds {
        /** The plaintext ADS gRPC port; 0 picks a free one (tests). */
        @WithDefault("15010")
        int port();

        @WithDefault("0.0.0.0")
        String host();
    }

    interface Push {
        /** Quiet period after the last change before a push. */
        @WithDefault("100ms")
        Duration debounceQuiet();

        /** Longest a change may wait while changes keep coming. */
        @WithDefault("10s")
        Duration debounceMax();
    }

    interface Local {
        /** How long a disconnected proxy's workload stays registered, so a reconnect does not drop endpoints. */
        @WithDefault("30s")
        Duration gracePeriod();

        /** Optional YAML file of static services and endpoints (see StaticRegistryFile). */
        Optional<Path> staticFile();
    }

    interface Scope {
        /**
         * The services each sidecar is sent, as Istio Sidecar egress hosts {@code <namespace>/<host>}
         * ({@code .} = the sidecar's own namespace), plus those the VirtualServices it imports name.
         * {@code * /*} (without the space) sends every service to every sidecar.
         */
        @WithDefault("./*,istio-system/*,qmesh-system/*")
        List<String> egressHosts();
    }

    interface Kubernetes {
        /** Watch EndpointSlices (discovery.k8s.io/v1); false watches the legacy core/v1 Endpoints instead. */
        @WithDefault("true")
        boolean endpointSlices();

        /**
         * Labels a namespace must carry to be in the mesh, {@code key=value[,key=value]} (Istio's
         * discoverySelectors as matchLabels); unset = every namespace.
         */
        Optional<List<String>> discoverySelector();

        /** Informer resync period: every cached object is re-checked this often. */
        @WithDefault("5m")
        Duration resync();

        Webhook webhook();
    }

    interface Webhook {
        /** pilot's ValidatingWebhookConfiguration, switched to failurePolicy Fail once pilot is ready. */
        @WithDefault("qmesh-pilot-validator")
        String configurationName();

        /** False leaves the failurePolicy alone (e.g. the webhook is managed by another tool). */
        @WithDefault("true")
        boolean patchFailurePolicy();

        /** A CA certificate (PEM) to set as every webhook's caBundle when patching; unset leaves caBundle alone. */
        Optional<Path> caBundleFile();
    }
}
