package io.qmesh.proxy;

import io.qmesh.proxy.http.HttpLimits;

/**
 * Process-level settings (everything else comes over xDS). Ports 0 pick a free port (tests).
 *
 * @param listenerHostOverride when non-null, LDS addresses are bound on this host instead (tests
 *                             bind 127.0.0.1 for listeners that say 0.0.0.0)
 */
public record ProxySettings(
        String adminHost,
        int adminPort,
        int healthPort,
        int prometheusPort,
        int workerThreads,
        boolean epoll,
        long reconnectInitialMillis,
        long reconnectMaxMillis,
        HttpLimits limits) {

    public static ProxySettings defaults() {
        return new ProxySettings("127.0.0.1", 15000, 15021, 15090, Runtime.getRuntime().availableProcessors(), true,
                500, 30_000, HttpLimits.DEFAULT);
    }

    /** Settings for tests: every port chosen by the OS, fast reconnects. */
    public static ProxySettings forTests() {
        return new ProxySettings("127.0.0.1", 0, 0, 0, 2, true, 20, 200, HttpLimits.DEFAULT);
    }
}
