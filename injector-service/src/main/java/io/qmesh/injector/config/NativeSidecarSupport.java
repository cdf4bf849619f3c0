package io.qmesh.injector.config;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Istio's default for the sidecar mode when none is configured: native sidecars (init containers
 * with {@code restartPolicy: Always}) when the API server runs Kubernetes 1.29 or later, where the
 * feature is on by default; classic sidecars otherwise.
 */
public final class NativeSidecarSupport {

    static final int MIN_MAJOR = 1;
    static final int MIN_MINOR = 29;
    /** Managed clusters report minors like "29+" (GKE, EKS). */
    private static final Pattern NUMBER = Pattern.compile("^([0-9]+)");

    private NativeSidecarSupport() {
    }

    /** Whether {@code major.minor}, as {@code /version} reports them, is at least 1.29. */
    public static boolean supported(String major, String minor) {
        Optional<Integer> ma = leadingNumber(major);
        Optional<Integer> mi = leadingNumber(minor);
        if (ma.isEmpty() || mi.isEmpty()) {
            return false;
        }
        return ma.get() > MIN_MAJOR || (ma.get() == MIN_MAJOR && mi.get() >= MIN_MINOR);
    }

    /**
     * Asks the API server for its version; empty when it does not answer within {@code timeout}
     * (the caller then picks the mode that works everywhere).
     */
    public static Optional<VersionInfo> serverVersion(KubernetesClient client, Duration timeout) {
        try {
            return Optional.ofNullable(CompletableFuture.supplyAsync(client::getKubernetesVersion)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static Optional<Integer> leadingNumber(String text) {
        Matcher matcher = NUMBER.matcher(text == null ? "" : text.trim());
        return matcher.find() ? Optional.of(Integer.parseInt(matcher.group(1))) : Optional.empty();
    }
}
