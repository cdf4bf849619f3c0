package io.qmesh.pilot.adapter.kubernetes;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.RegistryChange;
import io.qmesh.pilot.model.SidecarScope;
import io.qmesh.pilot.model.istio.ConfigKind;
import io.qmesh.pilot.model.istio.IstioConfig;
import io.qmesh.pilot.rules.RuleStorage;
import io.qmesh.pilot.rules.RuleStore;
import io.qmesh.pilot.xds.BookinfoMesh;
import io.qmesh.pilot.xds.ConfigCache;
import io.qmesh.pilot.xds.ConfigGenerator;
import io.qmesh.pilot.xds.GoldenFiles;
import io.qmesh.pilot.xds.MeshState;
import io.qmesh.pilot.xds.ProxyResources;
import io.qmesh.pilot.xds.TypeUrls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static io.qmesh.pilot.adapter.kubernetes.MockCluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pilot's Kubernetes mode without Quarkus: the adapter and the rule watcher against the Fabric8 mock
 * API server (CRUD mode), loaded with bookinfo as a cluster holds it and the rule files of deploy/samples,
 * and the snapshot they build translated exactly as a push translates it.
 */
class KubernetesAdapterTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String REVIEWS = "reviews.default.svc.cluster.local";

    private MockCluster cluster;
    private KubernetesAdapter adapter;
    private KubernetesRuleWatcher ruleWatcher;
    private RuleStore store;
    private MeshState state;
    private final List<RegistryChange> changes = new CopyOnWriteArrayList<>();

    private void startPilot() {
        startPilot(true);
    }

    private void startPilot(boolean endpointSlices) {
        startPilot(endpointSlices, Duration.ofMinutes(10));
    }

    private void startPilot(boolean endpointSlices, Duration resync) {
        adapter = new KubernetesAdapter(cluster.pilotClient,
                new KubernetesAdapter.Settings(endpointSlices, Map.of(), resync));
        adapter.onChange(changes::add);
        store = new RuleStore(RuleStorage.inMemory(), Clock.systemUTC());
        ruleWatcher = new KubernetesRuleWatcher(cluster.pilotClient, store, resync);
        state = new MeshState(List.of(adapter), store::all, ruleWatcher::synced,
                SidecarScope.parse(List.of("./*", "istio-system/*", "qmesh-system/*")));
        adapter.start();
        ruleWatcher.start();
    }

    private void startSynced() throws Exception {
        cluster = new MockCluster(false);
        BookinfoCluster.load(cluster.client);
        startPilot();
        eventually(WAIT, "informers synced", state::synced);
        eventually(WAIT, "bookinfo's 7 workloads registered", () -> adapter.registry().workloads().size() == 7);
    }

    @AfterEach
    void stop() throws Exception {
        if (adapter != null) {
            adapter.close();
            ruleWatcher.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void sameXdsAsLocalModeForEveryGoldenCaseOfTheSampleFiles() throws Exception {
        startSynced();
        // A sidecar with no rules, with DestinationRules and VirtualServices, with fault injection seen
        // from another sidecar, and the ingress gateway (the other golden cases differ only in rule content).
        List<String> cases = List.of("no-rules", "all-v1", "ratings-abort-jason", "bookinfo-gateway");
        for (String name : cases) {
            GoldenFiles.Case c = GoldenFiles.read(name);
            c.ruleFiles().forEach(f -> assertTrue(Files.exists(BookinfoCluster.SAMPLES.resolve(f)), f + " is in deploy/samples"));
            BookinfoCluster.deleteAllRules(cluster.client);
            eventually(WAIT, "rules deleted", () -> store.all().isEmpty());
            BookinfoCluster.applySamples(cluster.client, c.ruleFiles());
            Set<String> expected = specs(BookinfoMesh.rules(c.ruleFiles()));
            eventually(WAIT, name + ": the watched rules are the sample files' rules", () -> specs(store.all()).equals(expected));

            MeshSnapshot snapshot = state.rebuild();
            ProxyResources resources = ConfigGenerator.generate(snapshot, c.proxy());
            ProxyResources cached = new ConfigCache().generate(snapshot, c.proxy());
            for (String type : TypeUrls.PUSH_ORDER) {
                assertEquals(resources.resources(type), cached.resources(type), name + ": the push cache must not change the output");
            }
            GoldenFiles.assertMatches(name, resources);
        }
    }

    @Test
    void endpointsOfAScaledDeploymentAppearAndDisappearInEds() throws Exception {
        startSynced();
        BookinfoCluster.applySamples(cluster.client, List.of("destination-rule-all.yaml"));
        eventually(WAIT, "rules watched", () -> store.all().size() == 4);
        assertEquals(List.of("10.0.0.33:9080"), endpoints("outbound|9080|v3|" + REVIEWS));

        // reviews-v3 scaled to 3: the controller writes two more pods into the slice.
        List<Pod> reviews = new ArrayList<>(cluster.client.pods().inNamespace("default").withLabel("app", "reviews").list().getItems());
        for (String ip : List.of("10.0.0.34", "10.0.0.35")) {
            Pod p = BookinfoCluster.pod(BookinfoMesh.sidecar("reviews", "v3", ip));
            p = new PodBuilder(p).editMetadata().withName("reviews-v3-" + ip.replace('.', '-')).endMetadata().build();
            reviews.add(cluster.client.pods().resource(p).create());
        }
        changes.clear();
        BookinfoCluster.setEndpoints(cluster.client, "default", "reviews", reviews, true);
        eventually(WAIT, "three v3 endpoints", () -> endpoints("outbound|9080|v3|" + REVIEWS).size() == 3);
        assertEquals(List.of("10.0.0.33:9080", "10.0.0.34:9080", "10.0.0.35:9080"), endpoints("outbound|9080|v3|" + REVIEWS));
        assertEquals(5, endpoints("outbound|9080||" + REVIEWS).size());
        assertTrue(changes.stream().allMatch(RegistryChange::endpointsOnly), "scaling is an endpoints-only (EDS) push: " + changes);

        // Scaled down to v1 alone.
        List<Pod> v1 = reviews.stream().filter(p -> "v1".equals(p.getMetadata().getLabels().get("version"))).toList();
        BookinfoCluster.setEndpoints(cluster.client, "default", "reviews", v1, true);
        eventually(WAIT, "v3 endpoints gone", () -> endpoints("outbound|9080|v3|" + REVIEWS).isEmpty());
        assertEquals(List.of(), endpoints("outbound|9080|v2|" + REVIEWS));
        assertEquals(List.of("10.0.0.31:9080"), endpoints("outbound|9080||" + REVIEWS));
    }

    @Test
    void aNotReadyPodIsNotAnEndpoint() throws Exception {
        startSynced();
        List<Pod> ratings = cluster.client.pods().inNamespace("default").withLabel("app", "ratings").list().getItems();
        BookinfoCluster.setEndpoints(cluster.client, "default", "ratings", ratings, false);
        eventually(WAIT, "a not-ready endpoint leaves EDS", () -> endpoints("outbound|9080||ratings.default.svc.cluster.local").isEmpty());

        // The slice says ready, but the pod itself is not (or not any more) Ready.
        BookinfoCluster.setEndpoints(cluster.client, "default", "ratings", ratings, true);
        eventually(WAIT, "ready again", () -> endpoints("outbound|9080||ratings.default.svc.cluster.local").size() == 1);
        cluster.client.pods().resource(ratings.get(0)).edit(p -> new PodBuilder(p).editStatus().editCondition(0)
                .withStatus("False").endCondition().endStatus().build());
        eventually(WAIT, "a pod whose Ready condition is False leaves EDS",
                () -> endpoints("outbound|9080||ratings.default.svc.cluster.local").isEmpty());
    }

    @Test
    void aDeletedRuleDisappearsFromRds() throws Exception {
        startSynced();
        BookinfoCluster.applySamples(cluster.client, List.of("destination-rule-all.yaml", "virtual-service-all-v1.yaml"));
        eventually(WAIT, "rules watched", () -> store.all().size() == 8);
        assertEquals(Set.of("outbound|9080|v1|" + REVIEWS), routeClusters(REVIEWS));

        cluster.client.genericKubernetesResources(KubernetesRuleWatcher.context(ConfigKind.VIRTUAL_SERVICE))
                .inNamespace("default").withName("reviews").delete();
        eventually(WAIT, "the VirtualService leaves the store", () -> store.all().size() == 7);
        assertEquals(Set.of("outbound|9080||" + REVIEWS), routeClusters(REVIEWS), "back to the default route");
    }

    @Test
    void anInvalidRuleWrittenPastTheWebhookIsIgnoredNotPushed() throws Exception {
        startSynced();
        GenericKubernetesResource bad = cluster.client.getKubernetesSerialization().unmarshal(
                BookinfoMesh.resource("/invalid/virtual-service-negative-weight.yaml"), GenericKubernetesResource.class);
        bad.getMetadata().setNamespace("default");
        cluster.client.genericKubernetesResources(KubernetesRuleWatcher.context(ConfigKind.VIRTUAL_SERVICE))
                .inNamespace("default").resource(bad).create();
        BookinfoCluster.applySamples(cluster.client, List.of("virtual-service-ratings-test-delay.yaml"));
        eventually(WAIT, "the valid rule arrives", () -> store.all().size() == 1);
        assertEquals("ratings", store.all().get(0).metadata().name(), "the invalid \"weights\" is not in the model");
    }

    @Test
    void aBrokenWatchReconnectsAndKeepsTheModel() throws Exception {
        startSynced();
        BookinfoCluster.applySamples(cluster.client, List.of("destination-rule-all.yaml"));
        eventually(WAIT, "rules watched", () -> store.all().size() == 4);
        MeshSnapshot before = state.rebuild();

        cluster.proxy.cut();
        MeshSnapshot during = state.rebuild();
        assertEquals(before.services(), during.services(), "the model survives the broken watches");
        assertEquals(before.workloads(), during.workloads());
        assertEquals(4, during.rules().destinationRules().size());
        assertTrue(state.synced(), "a broken watch does not make pilot unready");

        cluster.proxy.restore();
        // The mock server does not replay events missed while a watch was down (a real API server resumes
        // from the resourceVersion or answers 410 Gone and the informer relists), so the writes are
        // repeated until the re-established watches deliver them.
        eventually(WAIT, "a scale-down after the reconnect arrives", () -> {
            BookinfoCluster.setEndpoints(cluster.client, "default", "ratings", List.of(), true);
            return endpoints("outbound|9080||ratings.default.svc.cluster.local").isEmpty();
        });
        eventually(WAIT, "a rule written after the reconnect arrives", () -> {
            BookinfoCluster.applySamples(cluster.client, List.of("virtual-service-ratings-test-delay.yaml"));
            return store.all().size() == 5;
        });
        assertEquals(6, state.rebuild().workloads().size(), "everything else is still there");
    }

    @Test
    void resyncsOfUnchangedObjectsChangeNothing() throws Exception {
        cluster = new MockCluster(false);
        BookinfoCluster.load(cluster.client);
        BookinfoCluster.applySamples(cluster.client, List.of("destination-rule-all.yaml"));
        startPilot(true, Duration.ofMillis(100));
        eventually(WAIT, "informers synced", state::synced);
        eventually(WAIT, "rules watched", () -> store.all().size() == 4);
        changes.clear();
        long revision = store.revision();

        Thread.sleep(700); // several 100 ms resyncs of every cached object

        assertEquals(List.of(), changes, "a resync is not a change: no push");
        assertEquals(revision, store.revision(), "nor a rule write");
        BookinfoCluster.setEndpoints(cluster.client, "default", "ratings", List.of(), true);
        eventually(WAIT, "a real change still arrives", () -> !changes.isEmpty());
    }

    @Test
    void theLegacyEndpointsApiGivesTheSameEndpoints() throws Exception {
        cluster = new MockCluster(false);
        BookinfoCluster.load(cluster.client);
        List<Pod> reviews = cluster.client.pods().inNamespace("default").withLabel("app", "reviews").list().getItems();
        cluster.client.endpoints().resource(new io.fabric8.kubernetes.api.model.EndpointsBuilder()
                .withNewMetadata().withName("reviews").withNamespace("default").endMetadata()
                .addNewSubset()
                .withAddresses(reviews.stream().filter(p -> !p.getMetadata().getLabels().get("version").equals("v3"))
                        .map(p -> new io.fabric8.kubernetes.api.model.EndpointAddressBuilder().withIp(p.getStatus().getPodIP())
                                .withNewTargetRef().withKind("Pod").withName(p.getMetadata().getName()).endTargetRef().build())
                        .toList())
                .addNewNotReadyAddress().withIp("10.0.0.33").withNewTargetRef().withKind("Pod")
                .withName(BookinfoMesh.PROXIES.get("reviews-v3").podName()).endTargetRef().endNotReadyAddress()
                .addNewPort().withName("http").withPort(9080).withProtocol("TCP").endPort()
                .endSubset().build()).create();
        startPilot(false);
        eventually(WAIT, "informers synced", state::synced);
        eventually(WAIT, "reviews v1 and v2 from Endpoints", () -> endpoints("outbound|9080||" + REVIEWS).size() == 2);
        assertEquals(List.of("10.0.0.31:9080", "10.0.0.32:9080"), endpoints("outbound|9080||" + REVIEWS),
                "the not-ready v3 address is not an endpoint");
        assertEquals(List.of(), endpoints("outbound|9080||ratings.default.svc.cluster.local"),
                "the EndpointSlices are not read in this mode");
    }

    @Test
    void notSyncedUntilEveryInformerHasListed() throws Exception {
        cluster = new MockCluster(true);
        BookinfoCluster.load(cluster.client);
        startPilot();
        assertFalse(state.synced());
        state.rebuild();
        assertFalse(state.ready(), "a snapshot built before the sync is not servable");

        cluster.proxy.restore();
        eventually(WAIT, "informers synced", state::synced);
        assertFalse(state.ready(), "ready only once a snapshot is built from the synced informers");
        MeshSnapshot first = state.rebuild();
        assertTrue(state.ready());
        assertEquals(5, first.services().size(), "the first servable snapshot is the whole mesh");
        assertEquals(7, first.workloads().size());
    }

    private List<String> endpoints(String cluster) {
        ProxyNode proxy = BookinfoMesh.PROXIES.get("productpage-v1");
        ClusterLoadAssignment cla = (ClusterLoadAssignment) ConfigGenerator.generate(state.rebuild(), proxy)
                .resources(TypeUrls.ENDPOINT).get(cluster);
        if (cla == null) {
            return List.of("no such cluster " + cluster);
        }
        return cla.getEndpointsList().stream().flatMap(l -> l.getLbEndpointsList().stream())
                .map(e -> e.getEndpoint().getAddress().getSocketAddress())
                .map(a -> a.getAddress() + ":" + a.getPortValue()).sorted().toList();
    }

    private Set<String> routeClusters(String host) {
        ProxyNode proxy = BookinfoMesh.PROXIES.get("productpage-v1");
        RouteConfiguration rc = (RouteConfiguration) ConfigGenerator.generate(state.rebuild(), proxy)
                .resources(TypeUrls.ROUTE).get("9080");
        Set<String> out = new TreeSet<>();
        for (VirtualHost vh : rc.getVirtualHostsList()) {
            if (vh.getName().equals(host + ":9080")) {
                vh.getRoutesList().forEach(r -> out.add(r.getRoute().getCluster()));
            }
        }
        return out;
    }

    /** Rules as kind/namespace/name plus spec, ignoring store metadata (versions, timestamps). */
    private static Set<String> specs(List<IstioConfig> configs) {
        return configs.stream().map(c -> c.key() + " " + c.spec()).collect(Collectors.toCollection(TreeSet::new));
    }
}
