package io.qmesh.pilot.server;

import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /q/health/ready} says what {@code /ready} says: DOWN until pilot serves proxies (on
 * Kubernetes, until every informer has synced and a snapshot was built from them).
 */
@Readiness
public class PilotReadinessCheck implements HealthCheck {
    @Inject
    PilotRuntime runtime;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("pilot-synced").status(runtime.ready()).build();
    }
}
