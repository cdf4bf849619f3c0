package io.qmesh.proxy;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.qmesh.proxy.admin.AdminEndpoints;
import io.qmesh.proxy.admin.AdminServer;
import io.qmesh.proxy.bootstrap.Bootstrap;
import io.qmesh.proxy.cluster.ConnectionPools;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.config.ProxyConfig;
import io.qmesh.proxy.filter.HttpFilterRegistry;
import io.qmesh.proxy.http.DataPlane;
import io.qmesh.proxy.http.UpstreamHandler;
import io.qmesh.proxy.cluster.UpstreamCluster;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.resilience.ResilienceRegistry;
import io.qmesh.proxy.listener.ListenerManager;
import io.qmesh.proxy.listener.Transport;
import io.qmesh.proxy.stats.AccessLog;
import io.qmesh.proxy.stats.IstioMetrics;
import io.qmesh.proxy.stats.StatsRegistry;
import io.qmesh.proxy.xds.AdsClient;
import io.qmesh.proxy.xds.Backoff;
import io.qmesh.proxy.xds.ConfigSink;
import io.qmesh.proxy.xds.ProxyConfigTranslator;
import io.qmesh.proxy.xds.XdsState;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The whole proxy, wired by hand (no framework on the data path): event loops, the published
 * config, listeners, admin servers and the ADS client. The Quarkus bean only starts and stops it.
 */
public final class ProxyServer implements AutoCloseable {

    private final Bootstrap bootstrap;
    private final ProxySettings settings;
    private final Transport transport;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final AtomicReference<ProxyConfig> config = new AtomicReference<>(ProxyConfig.EMPTY);
    private final StatsRegistry stats = new StatsRegistry();
    private final IstioMetrics metrics = new IstioMetrics();
    private final ResilienceRegistry resilience;
    private final ListenerManager listeners;
    private final XdsState xds;
    private final ScheduledExecutorService scheduler;
    private final ManagedChannel pilot;
    private final AdsClient ads;
    private AdminServer admin;
    private AdminServer health;
    private AdminServer prometheus;

    public ProxyServer(Bootstrap bootstrap, ProxySettings settings, AccessLog accessLog, RandomSource random) {
        this(bootstrap, settings, accessLog, random, System::nanoTime);
    }

    /**
     * @param resilienceTicker the monotonic nanosecond clock of outlier detection and of the local rate
     *                         limit's token buckets (tests advance a fake one)
     */
    public ProxyServer(Bootstrap bootstrap, ProxySettings settings, AccessLog accessLog, RandomSource random,
                       java.util.function.LongSupplier resilienceTicker) {
        this.bootstrap = bootstrap;
        this.settings = settings;
        this.transport = Transport.detect(settings.epoll());
        this.boss = transport.newGroup(1, "qmesh-accept");
        this.workers = transport.newGroup(settings.workerThreads(), "qmesh-io");
        DataPlane plane = new DataPlane(config, stats, metrics, accessLog, random, System::nanoTime,
                new ConnectionPools(transport.socketChannel(), UpstreamHandler.pipelines(), 256), settings.limits(),
                new DataPlane.LocalWorkload(orUnknown(bootstrap.metadataString("WORKLOAD_NAME"), bootstrap.podName()),
                        bootstrap.namespace(), orUnknown(bootstrap.label("app"), "unknown"),
                        orUnknown(bootstrap.label("version"), "unknown")));
        this.listeners = new ListenerManager(transport, boss, workers, plane);
        this.resilience = new ResilienceRegistry(stats, resilienceTicker, random::nextDouble);
        this.xds = new XdsState(new ProxyConfigTranslator(HttpFilterRegistry.standard(stats, resilienceTicker), random, resilience), config,
                new ConfigSink() {
                    @Override
                    public void prepare(ProxyConfig next) throws InvalidConfigException {
                        listeners.prepare(next);
                    }

                    @Override
                    public void published(ProxyConfig current) {
                        listeners.retire(current);
                        current.clusters().values().forEach(UpstreamCluster::publishOutlierSettings);
                    }
                }, stats);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "qmesh-xds");
            t.setDaemon(true);
            return t;
        });
        this.pilot = NettyChannelBuilder.forAddress(bootstrap.pilotHost(), bootstrap.pilotPort())
                .usePlaintext()
                .keepAliveTime(30, TimeUnit.SECONDS)
                .build();
        this.ads = new AdsClient(pilot, bootstrap.toNode(), xds, scheduler,
                new Backoff(settings.reconnectInitialMillis(), settings.reconnectMaxMillis(), random), stats);
    }

    private static String orUnknown(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }

    public ProxyServer start() throws InterruptedException {
        AdminEndpoints endpoints = new AdminEndpoints(config::get, xds::accepted, xds::ready, stats, metrics,
                Map.of("node_id", bootstrap.nodeId(), "transport", transport.name(), "version", "qmesh-proxy 0.1.0"));
        admin = AdminServer.start(transport, boss, settings.adminHost(), settings.adminPort(), endpoints.admin());
        health = AdminServer.start(transport, boss, "0.0.0.0", settings.healthPort(), endpoints.health());
        prometheus = AdminServer.start(transport, boss, "0.0.0.0", settings.prometheusPort(), endpoints.prometheusOnly());
        ads.start();
        // Outlier detection sweeps (each cluster at its own interval) run on the control thread.
        scheduler.scheduleWithFixedDelay(resilience::tick, 100, 100, TimeUnit.MILLISECONDS);
        return this;
    }

    public ProxyConfig config() {
        return config.get();
    }

    public StatsRegistry stats() {
        return stats;
    }

    public IstioMetrics metrics() {
        return metrics;
    }

    public boolean ready() {
        return xds.ready();
    }

    public boolean controlPlaneConnected() {
        return ads.connected();
    }

    public Transport transport() {
        return transport;
    }

    public InetSocketAddress listenerAddress(String name) {
        return listeners.boundAddress(name);
    }

    public InetSocketAddress adminAddress() {
        return admin.address();
    }

    public InetSocketAddress healthAddress() {
        return health.address();
    }

    public InetSocketAddress prometheusAddress() {
        return prometheus.address();
    }

    @Override
    public void close() {
        ads.close();
        pilot.shutdownNow();
        scheduler.shutdownNow();
        listeners.close();
        for (AdminServer s : new AdminServer[] {admin, health, prometheus}) {
            if (s != null) {
                s.close();
            }
        }
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
