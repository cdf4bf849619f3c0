package io.qmesh.pilot.server;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** All of pilot's settings, in one place ({@code pilot.*} in application.properties or PILOT_* env vars). */
@ConfigMapping(prefix = "pilot")
public interface PilotConfig {
    /** Where rules are kept across restarts; without it rules live in memory only (a warning is logged). */
    Optional<Path> dataDir();

    Xds xds();

    Push push();

    Local local();

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
}
