package io.qmesh.pilot.server;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.qmesh.pilot.adapter.kubernetes.KubernetesAdapter;
import io.qmesh.pilot.adapter.kubernetes.KubernetesRuleWatcher;
import io.qmesh.pilot.adapter.kubernetes.WebhookPolicyPatcher;
import io.qmesh.pilot.adapter.local.LocalAdapter;
import io.qmesh.pilot.adapter.local.StaticRegistryFile;
import io.qmesh.pilot.model.PlatformAdapter;
import io.qmesh.pilot.model.ProxyRegistrations;
import io.qmesh.pilot.model.RegistryChange;
import io.qmesh.pilot.model.ServiceRegistry;
import io.qmesh.pilot.model.SidecarScope;
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
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Wires pilot together at startup, in data-flow order: rule store (a corrupt store fails startup here),
 * platform adapters, mesh state, ADS service, push scheduler, gRPC server. One scheduler thread runs every
 * push, the local adapter's expiry and the readiness check, so pushes never overlap.
 *
 * <p>{@code pilot.platform=local}: proxies register their workloads as they connect, rules are pilot's
 * own (REST API, {@code rules.json}). {@code pilot.platform=kubernetes}: workloads come from informers,
 * the rule store mirrors the rule CRDs (the REST API reads it and refuses writes), proxies are refused
 * until every informer has synced, and then the validating webhook is switched to fail-closed.
 */
@Startup
@ApplicationScoped
public class PilotRuntime {
    private static final Logger LOG = Logger.getLogger(PilotRuntime.class);
    static final String READ_ONLY = "pilot.platform=kubernetes: rules are Kubernetes objects here; write them "
            + "through the API server (kubectl apply -f ...), pilot watches them and its webhook validates them";

    @Inject
    PilotConfig config;

    @Inject
    Instance<KubernetesClient> kubernetesClient;

    private RuleService rules;
    private LocalAdapter local;
    private MeshState state;
    private AdsService ads;
    private Server grpc;
    private ScheduledExecutorService executor;
    private final List<AutoCloseable> watches = new ArrayList<>();
    private volatile boolean ready;
    private boolean syncPushed;

    @PostConstruct
    void start() {
        SidecarScope scope;
        try {
            scope = SidecarScope.parse(config.scope().egressHosts());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("pilot.scope.egress-" + e.getMessage(), e);
        }
        boolean kubernetes = config.platform() == PilotConfig.Platform.KUBERNETES;
        RuleStore store = new RuleStore(kubernetes ? RuleStorage.inMemory() : storage(), Clock.systemUTC());
        ServiceRegistry fixed = config.local().staticFile().map(StaticRegistryFile::read).orElse(ServiceRegistry.EMPTY);
        local = new LocalAdapter(config.local().gracePeriod(), System::nanoTime, fixed);
        List<PlatformAdapter> adapters = new ArrayList<>();
        ProxyRegistrations registrations = local;
        BooleanSupplier rulesSynced = () -> true;
        KubernetesAdapter kube = null;
        KubernetesRuleWatcher ruleWatcher = null;
        if (kubernetes) {
            KubernetesClient client = kubernetesClient.get();
            PilotConfig.Kubernetes k = config.kubernetes();
            kube = new KubernetesAdapter(client, new KubernetesAdapter.Settings(k.endpointSlices(),
                    labels(k.discoverySelector().orElse(List.of())), k.resync()));
            ruleWatcher = new KubernetesRuleWatcher(client, store, k.resync());
            adapters.add(kube);
            registrations = ProxyRegistrations.NONE;
            rulesSynced = ruleWatcher::synced;
            watches.add(kube);
            watches.add(ruleWatcher);
        }
        adapters.add(local); // on Kubernetes it holds only the static services, if any
        state = new MeshState(adapters, store::all, rulesSynced, scope);
        state.rebuild();
        ads = new AdsService(state, registrations, System::currentTimeMillis);
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pilot-push");
            t.setDaemon(true);
            return t;
        });
        PushScheduler scheduler = new PushScheduler(
                new Debouncer(config.push().debounceQuiet(), config.push().debounceMax()),
                System::nanoTime, executor, ads::push);
        adapters.forEach(a -> a.onChange(scheduler::onChange));
        store.onChange(all -> scheduler.onChange(RegistryChange.FULL));
        executor.scheduleWithFixedDelay(local::expire, 1, 1, TimeUnit.SECONDS);
        rules = new RuleService(store, state::current, ads::connectedNodes, kubernetes ? READ_ONLY : null);
        if (kubernetes) {
            kube.start();
            ruleWatcher.start();
            WebhookPolicyPatcher patcher = webhookPatcher();
            // Until the first snapshot built from synced informers, proxies are refused (AdsService).
            executor.scheduleWithFixedDelay(() -> {
                if (!ready && state.ready()) {
                    ready = true;
                    LOG.info("every Kubernetes informer has synced: serving proxies");
                    if (patcher != null) {
                        patcher.reconcile();
                    }
                } else if (!syncPushed && state.synced()) {
                    syncPushed = true;
                    scheduler.onChange(RegistryChange.FULL);
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
            if (patcher != null) {
                long period = config.kubernetes().resync().toMillis();
                executor.scheduleWithFixedDelay(patcher::reconcile, period, period, TimeUnit.MILLISECONDS);
            }
        } else {
            ready = true;
        }
        try {
            grpc = NettyServerBuilder.forAddress(new InetSocketAddress(config.xds().host(), config.xds().port()))
                    .addService(ads)
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for xDS on " + config.xds().host() + ":" + config.xds().port(), e);
        }
        LOG.infof("ADS (xDS v3, plaintext gRPC) listening on %s:%d (platform %s)", config.xds().host(), grpc.getPort(),
                config.platform().name().toLowerCase());
    }

    private RuleStorage storage() {
        if (config.dataDir().isPresent()) {
            FileRuleStorage storage = new FileRuleStorage(config.dataDir().get());
            LOG.infof("rules are stored in %s", storage.file());
            return storage;
        }
        LOG.warn("pilot.data-dir is not set: rules are kept in memory and lost on restart");
        return RuleStorage.inMemory();
    }

    private WebhookPolicyPatcher webhookPatcher() {
        PilotConfig.Webhook w = config.kubernetes().webhook();
        if (!w.patchFailurePolicy()) {
            return null;
        }
        WebhookPolicyPatcher patcher = new WebhookPolicyPatcher(kubernetesClient.get(), w.configurationName(),
                w.caBundleFile(), state::ready, config.kubernetes().resync()).start();
        watches.add(patcher);
        return patcher;
    }

    /** {@code ["istio-discovery=enabled"]} -> a label map; a malformed entry stops startup. */
    static Map<String, String> labels(List<String> pairs) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            String[] kv = pairs.get(i).split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) {
                throw new IllegalStateException("pilot.kubernetes.discovery-selector[" + i + "]: \"" + pairs.get(i)
                        + "\" (expected: key=value)");
            }
            out.put(kv[0].trim(), kv[1].trim());
        }
        return out;
    }

    @PreDestroy
    void stop() throws Exception {
        if (grpc != null) {
            grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (executor != null) {
            executor.shutdownNow();
        }
        for (AutoCloseable w : watches) {
            w.close();
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

    /** True once pilot serves proxies: always on the local platform, after the informers synced on Kubernetes. */
    public boolean ready() {
        return state.ready();
    }

    /** The bound xDS port (differs from the configured one when that is 0). */
    public int xdsPort() {
        return grpc.getPort();
    }
}
