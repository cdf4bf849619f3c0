package io.qmesh.pilot.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.xds.BookinfoMesh;
import io.qmesh.pilot.xds.TypeUrls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ADS protocol over a real gRPC stream with a plain grpc-java client. */
class AdsStreamTest {
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final String REVIEWS_V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
    private static final String REVIEWS_ALL = "outbound|9080||reviews.default.svc.cluster.local";

    private XdsHarness harness;

    private XdsHarness start(Duration quiet) throws Exception {
        harness = new XdsHarness(quiet, Duration.ofSeconds(10));
        return harness;
    }

    @AfterEach
    void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    /** Registers every bookinfo workload except those named, and publishes the snapshot. */
    private void registerBookinfo(XdsHarness h, String... except) {
        BookinfoMesh.PROXIES.forEach((name, node) -> {
            if (!List.of(except).contains(name) && node.type() == ProxyNode.Type.SIDECAR) {
                h.adapter.connected(node);
            }
        });
        h.tick();
    }

    private static List<String> edsNames(DiscoveryResponse cds) throws InvalidProtocolBufferException {
        List<String> out = new ArrayList<>();
        for (var any : cds.getResourcesList()) {
            Cluster c = any.unpack(Cluster.class);
            if (c.getType() == Cluster.DiscoveryType.EDS) {
                out.add(c.getName());
            }
        }
        return out;
    }

    private static java.util.Set<String> claNames(DiscoveryResponse eds) throws InvalidProtocolBufferException {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (var any : eds.getResourcesList()) {
            out.add(any.unpack(ClusterLoadAssignment.class).getClusterName());
        }
        return out;
    }

    private static int endpointCount(DiscoveryResponse eds, String cluster) throws InvalidProtocolBufferException {
        for (var any : eds.getResourcesList()) {
            ClusterLoadAssignment cla = any.unpack(ClusterLoadAssignment.class);
            if (cla.getClusterName().equals(cluster)) {
                return cla.getEndpointsCount() == 0 ? 0 : cla.getEndpoints(0).getLbEndpointsCount();
            }
        }
        throw new AssertionError("no " + cluster + " in EDS response");
    }

    @Test
    void ackedConfigIsNotResent() throws Exception {
        XdsHarness h = start(Duration.ZERO);
        registerBookinfo(h);
        try (AdsClient client = new AdsClient(h.channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
            client.subscribe(TypeUrls.CLUSTER, List.of());
            DiscoveryResponse cds = client.next();
            assertEquals(TypeUrls.CLUSTER, cds.getTypeUrl());
            assertTrue(edsNames(cds).contains(REVIEWS_ALL));
            assertTrue(!cds.getNonce().isEmpty() && !cds.getVersionInfo().isEmpty());

            client.ack(cds, List.of());
            h.tick();

            client.assertNothingWithin(QUIET);
            assertEquals(cds.getVersionInfo(), h.ads.connections().iterator().next().state(TypeUrls.CLUSTER).ackedVersion);
        }
    }

    @Test
    void nackIsRecordedAndTheSameConfigIsNotResent() throws Exception {
        XdsHarness h = start(Duration.ZERO);
        registerBookinfo(h, "reviews-v3");
        try (AdsClient client = new AdsClient(h.channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
            client.subscribe(TypeUrls.CLUSTER, List.of());
            DiscoveryResponse cds = client.next();

            client.request(TypeUrls.CLUSTER, List.of(), "", cds.getNonce(), "cluster outbound|9080||x: unknown lb policy");
            client.assertNothingWithin(QUIET);
            h.adapter.connected(BookinfoMesh.PROXIES.get("reviews-v3"));
            h.tick();

            client.assertNothingWithin(QUIET);
            ProxyConnection.TypeState ts = h.ads.connections().iterator().next().state(TypeUrls.CLUSTER);
            assertEquals("cluster outbound|9080||x: unknown lb policy", ts.lastNack);
            assertEquals(cds.getVersionInfo(), ts.nackVersion);
            assertEquals("", ts.ackedVersion);
        }
    }

    @Test
    void staleNonceIsIgnored() throws Exception {
        XdsHarness h = start(Duration.ZERO);
        registerBookinfo(h);
        try (AdsClient client = new AdsClient(h.channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
            client.subscribe(TypeUrls.CLUSTER, List.of());
            DiscoveryResponse cds = client.next();

            client.request(TypeUrls.CLUSTER, List.of(), cds.getVersionInfo(), "not-a-nonce-we-sent", null);

            client.assertNothingWithin(QUIET);
            assertEquals(1, h.ads.staleRequests());
            assertEquals("", h.ads.connections().iterator().next().state(TypeUrls.CLUSTER).ackedVersion, "a stale ACK is no ACK");
        }
    }

    @Test
    void reconnectGetsTheFullStateAgain() throws Exception {
        XdsHarness h = start(Duration.ZERO);
        registerBookinfo(h);
        DiscoveryResponse first;
        try (AdsClient client = new AdsClient(h.channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
            client.subscribe(TypeUrls.CLUSTER, List.of());
            first = client.next();
            client.ack(first, List.of());
        }
        try (AdsClient again = new AdsClient(h.channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
            again.subscribe(TypeUrls.CLUSTER, List.of());
            DiscoveryResponse second = again.next();

            assertEquals(first.getResourcesList(), second.getResourcesList());
            assertNotEquals(first.getNonce(), second.getNonce());
        }
        assertEquals(9, h.adapter.registry().workloads().size() + 3, "the reconnecting proxy kept its endpoint");
    }

    @Test
    void subscribesLikeASidecarInCdsEdsLdsRdsOrder() throws Exception {
        XdsHarness h = start(Duration.ZERO);
        registerBookinfo(h);
        try (AdsClient client = new AdsClient(h.channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
            client.subscribe(TypeUrls.CLUSTER, List.of());
            DiscoveryResponse cds = client.next();
            client.subscribe(TypeUrls.ENDPOINT, edsNames(cds));
            DiscoveryResponse eds = client.next();
            client.ack(cds, List.of());
            client.subscribe(TypeUrls.LISTENER, List.of());
            DiscoveryResponse lds = client.next();
            client.ack(eds, edsNames(cds));
            client.subscribe(TypeUrls.ROUTE, List.of("9080"));
            DiscoveryResponse rds = client.next();

            assertEquals(edsNames(cds).size(), eds.getResourcesCount());
            assertEquals(3, endpointCount(eds, REVIEWS_ALL));
            assertEquals(TypeUrls.LISTENER, lds.getTypeUrl());
            assertEquals(1, rds.getResourcesCount(), "only the requested route configuration");
            client.assertNothingWithin(QUIET);
        }
    }

    @Test
    void endpointOnlyChangeIsPushedAsEdsAlone() throws Exception {
        XdsHarness h = start(Duration.ZERO);
        registerBookinfo(h, "reviews-v3");
        try (AdsClient client = new AdsClient(h.channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
            client.subscribe(TypeUrls.CLUSTER, List.of());
            DiscoveryResponse cds = client.next();
            client.subscribe(TypeUrls.ENDPOINT, edsNames(cds));
            DiscoveryResponse eds = client.next();
            client.subscribe(TypeUrls.LISTENER, List.of());
            DiscoveryResponse lds = client.next();
            client.subscribe(TypeUrls.ROUTE, List.of("9080"));
            DiscoveryResponse rds = client.next();
            for (DiscoveryResponse r : List.of(cds, eds, lds, rds)) {
                client.ack(r, r == eds ? edsNames(cds) : r == rds ? List.of("9080") : List.of());
            }
            assertEquals(2, endpointCount(eds, REVIEWS_ALL));

            h.adapter.connected(BookinfoMesh.PROXIES.get("reviews-v3"));
            h.tick();

            DiscoveryResponse push = client.next();
            assertEquals(TypeUrls.ENDPOINT, push.getTypeUrl());
            assertEquals(3, endpointCount(push, REVIEWS_ALL));
            assertEquals(java.util.Set.of(REVIEWS_ALL),
                    claNames(push),
                    "an EDS push carries only the load assignments that changed; the proxy keeps the others");
            client.assertNothingWithin(QUIET);
        }
    }

    /** Subscribes to CDS, EDS (the EDS clusters plus {@code moreEds}), LDS and the given routes, ACKing each. */
    private static void subscribeAll(AdsClient client, List<String> moreEds, List<String> routes) throws Exception {
        client.subscribe(TypeUrls.CLUSTER, List.of());
        DiscoveryResponse cds = client.next();
        client.ack(cds, List.of());
        List<String> eds = new ArrayList<>(edsNames(cds));
        eds.addAll(moreEds);
        client.subscribe(TypeUrls.ENDPOINT, eds);
        client.ack(client.next(), eds);
        client.subscribe(TypeUrls.LISTENER, List.of());
        client.ack(client.next(), List.of());
        if (!routes.isEmpty()) {
            client.subscribe(TypeUrls.ROUTE, routes);
            client.ack(client.next(), routes);
        }
    }

    private static List<String> typesWithin(AdsClient client) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (DiscoveryResponse r = client.poll(QUIET); r != null; r = client.poll(QUIET)) {
            out.add(TypeUrls.shortName(r.getTypeUrl()));
        }
        return out;
    }

    @Test
    void aChangeReachesOnlyTheProxiesItAffectsInCdsEdsLdsRdsOrder() throws Exception {
        XdsHarness h = start(Duration.ZERO);
        registerBookinfo(h);
        try (AdsClient sidecar = new AdsClient(h.channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
            // Already asks for a subset's endpoints and the 8080 routes, neither of which exists yet.
            subscribeAll(sidecar, List.of("outbound|9080|v1|reviews.default.svc.cluster.local"), List.of("8080", "9080"));
            sidecar.assertNothingWithin(QUIET);
            try (AdsClient gateway = new AdsClient(h.channel, BookinfoMesh.PROXIES.get("ingressgateway"))) {
                subscribeAll(gateway, List.of(), List.of());
                // One merged change: the gateway's own service (port 8080), subsets, and a mesh route. Every
                // type changes for the sidecar, and it hears of them clusters first, routes last.
                h.rules.addAll(BookinfoMesh.rules(List.of("destination-rule-all.yaml", "virtual-service-reviews-test-v2.yaml")));
                h.scheduler.onChange(io.qmesh.pilot.model.RegistryChange.FULL);
                h.tick();
                assertEquals(List.of("CDS", "EDS", "LDS", "RDS"), typesWithin(sidecar));
                assertEquals(List.of("CDS"), typesWithin(gateway), "the gateway has no Gateway listeners: only new clusters");

                // A routing change bound to the mesh: the sidecar's routes change, the gateway is not affected.
                h.rules.removeIf(c -> c.key().kind() == io.qmesh.pilot.model.istio.ConfigKind.VIRTUAL_SERVICE);
                h.rules.addAll(BookinfoMesh.rules(List.of("virtual-service-all-v1.yaml")));
                h.scheduler.onChange(io.qmesh.pilot.model.RegistryChange.FULL);
                h.tick();
                assertEquals(List.of("RDS"), typesWithin(sidecar));
                gateway.assertNothingWithin(QUIET);
            }
        }
    }

    @Test
    void debounceMergesChangesUntilTheMeshIsQuiet() throws Exception {
        XdsHarness h = start(Duration.ofMillis(100));
        registerBookinfo(h, "reviews-v2", "reviews-v3");
        h.advance(Duration.ofMillis(100));
        h.tick();
        try (AdsClient client = new AdsClient(h.channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
            client.subscribe(TypeUrls.CLUSTER, List.of());
            DiscoveryResponse cds = client.next();
            client.subscribe(TypeUrls.ENDPOINT, edsNames(cds));
            DiscoveryResponse eds = client.next();
            client.ack(cds, List.of());
            client.ack(eds, edsNames(cds));
            assertEquals(1, endpointCount(eds, REVIEWS_ALL));

            h.adapter.connected(BookinfoMesh.PROXIES.get("reviews-v2"));
            h.advance(Duration.ofMillis(50));
            h.adapter.connected(BookinfoMesh.PROXIES.get("reviews-v3"));
            h.advance(Duration.ofMillis(99));
            h.tick();
            client.assertNothingWithin(QUIET);

            h.advance(Duration.ofMillis(1));
            h.tick();

            DiscoveryResponse push = client.next();
            assertEquals(TypeUrls.ENDPOINT, push.getTypeUrl());
            assertEquals(3, endpointCount(push, REVIEWS_ALL), "both new workloads in one push");
            client.assertNothingWithin(QUIET);
        }
    }

    @Test
    void debounceGivesUpWaitingAfterTheMaximumDelay() throws Exception {
        XdsHarness h = start(Duration.ofMillis(100));
        registerBookinfo(h);
        h.advance(Duration.ofMillis(100));
        h.tick();
        try (AdsClient client = new AdsClient(h.channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
            client.subscribe(TypeUrls.CLUSTER, List.of());
            DiscoveryResponse cds = client.next();
            client.ack(cds, List.of());

            // A change every 90 ms never leaves 100 ms of quiet; the 10 s maximum forces a push.
            h.rules.addAll(BookinfoMesh.rules(List.of("destination-rule-all.yaml")));
            for (int i = 0; i < 111; i++) {
                h.scheduler.onChange(io.qmesh.pilot.model.RegistryChange.FULL);
                h.advance(Duration.ofMillis(90));
                h.tick();
            }
            client.assertNothingWithin(QUIET);
            h.scheduler.onChange(io.qmesh.pilot.model.RegistryChange.FULL);
            h.advance(Duration.ofMillis(10));
            h.tick();
            DiscoveryResponse push = client.next();

            assertEquals(TypeUrls.CLUSTER, push.getTypeUrl());
            assertTrue(edsNames(push).contains(REVIEWS_V1));
        }
    }

    @Test
    void aNodeWithoutAnIdIsRefused() throws Exception {
        XdsHarness h = start(Duration.ZERO);
        ProxyNode bad = new ProxyNode("envoy-1", ProxyNode.Type.SIDECAR, "10.0.0.1", "x", "default",
                java.util.Map.of(), List.of(), "", "", null);
        try (AdsClient client = new AdsClient(h.channel, bad)) {
            client.subscribe(TypeUrls.CLUSTER, List.of());

            Throwable e = client.error();

            assertTrue(e.getMessage().startsWith("INVALID_ARGUMENT: node.id: \"envoy-1\""), e.getMessage());
        }
    }
}
