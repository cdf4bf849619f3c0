package io.qmesh.proxy;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.OptionalInt;

/** The proxy's typed process configuration (application.properties / env, e.g. PROXY_PILOT_ADDRESS). */
@ConfigMapping(prefix = "proxy")
public interface ProxyProperties {

    /** false in tests that only need the classes. */
    @WithDefault("true")
    boolean enabled();

    /** host:port of the control plane's plaintext ADS port. */
    @WithDefault("istiod.istio-system.svc:15010")
    String pilotAddress();

    /** sidecar or router. */
    @WithDefault("sidecar")
    String nodeType();

    @WithDefault("127.0.0.1")
    String adminHost();

    @WithDefault("15000")
    int adminPort();

    @WithDefault("15021")
    int healthPort();

    @WithDefault("15090")
    int prometheusPort();

    OptionalInt workerThreads();

    @WithDefault("true")
    boolean epoll();

    @WithDefault("16384")
    int maxRequestLine();

    @WithDefault("61440")
    int maxHeaderBytes();

    /** Request body bytes kept for retries and mirrors, and read ahead of the upstream (Envoy's per_connection_buffer_limit_bytes). */
    @WithDefault("1048576")
    int requestBufferBytes();

    @WithDefault("3600000")
    long idleTimeoutMillis();
}
