package io.qmesh.bookinfo.common;

import java.util.Optional;

import jakarta.inject.Singleton;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.Startup;

/** The configured {@link FaultMode}, parsed once at startup so that a typo stops the service at once. */
@Startup
@Singleton
public class FaultInjection {

    private final FaultMode mode;

    public FaultInjection(@ConfigProperty(name = "bookinfo.fault-mode", defaultValue = "none") String mode) {
        this.mode = FaultMode.parse(mode);
    }

    public FaultMode mode() {
        return mode;
    }

    /** The injected failure response, or empty when the service should answer normally. */
    public Optional<Response> failure() {
        return mode.failure();
    }
}
