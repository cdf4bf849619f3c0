package io.qmesh.pilot.server;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.qmesh.pilot.adapter.local.LocalAdapter;
import io.qmesh.pilot.adapter.local.StaticRegistryFile;
import io.qmesh.pilot.model.RegistryChange;
import io.qmesh.pilot.model.ServiceRegistry;
import io.qmesh.pilot.rules.FileRuleStorage;
import io.qmesh.pilot.rules.RuleService;
import io.qmesh.pilot.rules.RuleStorage;
import io.qmesh.pilot.rules.RuleStore;
import io.qmesh.pilot.xds.Debouncer;
import io.qmesh.pilot.xds.MeshState;
import io.qmesh.pilot.xds.PushScheduler;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Wires pilot together at startup, in data-flow order: rule store (a corrupt store fails startup here),
 * local adapter, mesh state, ADS service, push scheduler, gRPC server. One scheduler thread runs every
 * push and the adapter's expiry, so pushes never overlap.
 */
@Startup
@ApplicationScoped
public class PilotRuntime {
    private static final Logger LOG = Logger.getLogger(PilotRuntime.class);

    @Inject
    PilotConfig config;

    private RuleService rules;
    private LocalAdapter local;
    private MeshState state;
    private AdsService ads;
    private Server grpc;
    private ScheduledExecutorService executor;

    @PostConstruct
    void start() {
        RuleStorage storage;
        if (config.dataDir().isPresent()) {
            storage = new FileRuleStorage(config.dataDir().get());
            LOG.infof("rules are stored in %s", ((FileRuleStorage) storage).file());
        } else {
            storage = RuleStorage.inMemory();
            LOG.warn("pilot.data-dir is not set: rules are kept in memory and lost on restart");
        }
        RuleStore store = new RuleStore(storage, Clock.systemUTC());
        ServiceRegistry fixed = config.local().staticFile().map(StaticRegistryFile::read).orElse(ServiceRegistry.EMPTY);
        local = new LocalAdapter(config.local().gracePeriod(), System::nanoTime, fixed);
        state = new MeshState(List.of(local), store::all);
        state.rebuild();
        ads = new AdsService(state, local, System::currentTimeMillis);
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pilot-push");
            t.setDaemon(true);
            return t;
        });
        PushScheduler scheduler = new PushScheduler(
                new Debouncer(config.push().debounceQuiet(), config.push().debounceMax()),
                System::nanoTime, executor, ads::push);
        local.onChange(scheduler::onChange);
        store.onChange(all -> scheduler.onChange(RegistryChange.FULL));
        executor.scheduleWithFixedDelay(local::expire, 1, 1, TimeUnit.SECONDS);
        rules = new RuleService(store, state::current, ads::connectedNodes);
        try {
            grpc = NettyServerBuilder.forAddress(new InetSocketAddress(config.xds().host(), config.xds().port()))
                    .addService(ads)
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for xDS on " + config.xds().host() + ":" + config.xds().port(), e);
        }
        LOG.infof("ADS (xDS v3, plaintext gRPC) listening on %s:%d", config.xds().host(), grpc.getPort());
    }

    @PreDestroy
    void stop() throws InterruptedException {
        if (grpc != null) {
            grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    public RuleService rules() {
        return rules;
    }

    public MeshState state() {
        return state;
    }

    public AdsService ads() {
        return ads;
    }

    public LocalAdapter local() {
        return local;
    }

    /** The bound xDS port (differs from the configured one when that is 0). */
    public int xdsPort() {
        return grpc.getPort();
    }
}
