package io.qmesh.proxy;

import io.qmesh.proxy.bootstrap.Bootstrap;
import io.qmesh.proxy.bootstrap.BootstrapLoader;
import io.qmesh.proxy.bootstrap.NodeType;
import io.qmesh.proxy.http.HttpLimits;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.stats.AccessLog;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/** Starts the proxy when Quarkus starts: bootstrap from env, then everything else from ADS. */
@ApplicationScoped
public class ProxyApplication {

    private static final Logger LOG = Logger.getLogger(ProxyApplication.class);

    private final ProxyProperties properties;
    private ProxyServer server;

    public ProxyApplication(ProxyProperties properties) {
        this.properties = properties;
    }

    void onStart(@Observes StartupEvent event) throws InterruptedException {
        if (!properties.enabled()) {
            return;
        }
        Bootstrap bootstrap = BootstrapLoader.fromEnv(System.getenv(), properties.pilotAddress(),
                NodeType.parse(properties.nodeType()));
        ProxySettings settings = new ProxySettings(properties.adminHost(), properties.adminPort(),
                properties.healthPort(), properties.prometheusPort(), properties.workerThreads()
                .orElse(Runtime.getRuntime().availableProcessors()), properties.epoll(), 500, 30_000,
                new HttpLimits(properties.maxRequestLine(), properties.maxHeaderBytes(), properties.requestBufferBytes(),
                        properties.idleTimeoutMillis()));
        server = new ProxyServer(bootstrap, settings, AccessLog.STANDARD, RandomSource.THREAD_LOCAL).start();
        LOG.infof("qmesh proxy %s started (%s), control plane %s:%d, admin %s", bootstrap.nodeId(),
                server.transport().name(), bootstrap.pilotHost(), bootstrap.pilotPort(), server.adminAddress());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (server != null) {
            server.close();
        }
    }
}
