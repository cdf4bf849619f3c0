package io.qmesh.proxy.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmesh.proxy.lb.LbEndpoint;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.lb.RoundRobinLoadBalancer;
import io.qmesh.proxy.resilience.ClusterResilience;
import io.qmesh.proxy.resilience.OutlierDetector;
import io.qmesh.proxy.resilience.ResilienceRegistry;
import io.qmesh.proxy.stats.StatsRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Envoy's priority load over an aggregate cluster's children, and the previous-priorities retry priority:
 * the fallback takes load as the primary's usable share falls below 1/1.4, takes everything when the
 * primary is all ejected, and takes the attempt after every update_frequency attempts on the primary.
 */
class AggregateSelectionTest {

    final ResilienceRegistry resilience = new ResilienceRegistry(new StatsRegistry(), () -> 0L, () -> 0.0);
    final List<LbEndpoint> primaryHosts = hosts(4, 1000);
    final List<LbEndpoint> fallbackHosts = hosts(2, 2000);
    final UpstreamCluster primary = cluster("primary", primaryHosts);
    final UpstreamCluster fallback = cluster("fallback", fallbackHosts);
    final UpstreamCluster aggregate = new UpstreamCluster("aggregate", LbPolicy.CLUSTER_PROVIDED, 1000, 0,
            new RoundRobinLoadBalancer(List.of(), RandomSource.seeded(1)), "reviews.default.svc.cluster.local", "",
            UpstreamProtocol.HTTP1, 0, io.qmesh.proxy.resilience.CircuitBreaker.Thresholds.ENVOY_DEFAULTS, null,
            resilience.forCluster("aggregate"), List.of("primary", "fallback"), io.qmesh.proxy.route.HeaderMutation.NONE, null);
    final Map<String, UpstreamCluster> clusters = Map.of("primary", primary, "fallback", fallback, "aggregate", aggregate);

    static List<LbEndpoint> hosts(int n, int basePort) {
        List<LbEndpoint> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new LbEndpoint(new InetSocketAddress("127.0.0.1", basePort + i), 1, true, "", new LbEndpoint.Counters()));
        }
        return out;
    }

    UpstreamCluster cluster(String name, List<LbEndpoint> hosts) {
        ClusterResilience state = resilience.forCluster(name);
        state.outlierDetector().update(new OutlierDetector.Config(1, 100, 5, 0, 1_000_000_000L, 1_000_000_000L,
                1_000_000_000L, 100), hosts.stream().map(h -> h.counters().outlier).toList());
        return new UpstreamCluster(name, LbPolicy.ROUND_ROBIN, 1000, 0, new RoundRobinLoadBalancer(hosts, RandomSource.seeded(2)),
                "reviews.default.svc.cluster.local", name, UpstreamProtocol.HTTP1, 0,
                io.qmesh.proxy.resilience.CircuitBreaker.Thresholds.ENVOY_DEFAULTS, null, state);
    }

    void eject(UpstreamCluster c, List<LbEndpoint> hosts, int count) {
        for (int i = 0; i < count; i++) {
            c.outlierDetector().reportStatus(hosts.get(i).counters().outlier, 500);
            assertTrue(hosts.get(i).counters().outlier.ejected());
        }
    }

    @Test
    void loadFollowsHealthWithEnvoysOverprovisioningFactor() {
        assertArrayEquals(new int[] {100, 0}, PriorityLoad.load(new int[] {100, 100}));
        assertArrayEquals(new int[] {70, 30}, PriorityLoad.load(new int[] {70, 100}));
        assertArrayEquals(new int[] {0, 100}, PriorityLoad.load(new int[] {0, 100}));
        // Health adding up to under 100 is scaled up to 100.
        assertArrayEquals(new int[] {34, 66}, PriorityLoad.load(new int[] {20, 40}));
        // Nothing healthy anywhere: P0 takes all (and answers no healthy upstream).
        assertArrayEquals(new int[] {100, 0}, PriorityLoad.load(new int[] {0, 0}));
        assertEquals(100, PriorityLoad.health(primaryHosts));
        assertEquals(100, PriorityLoad.health(primary));
        eject(primary, primaryHosts, 2);
        assertEquals(70, PriorityLoad.health(primaryHosts)); // 2 of 4 usable, x 1.4
        assertEquals(70, PriorityLoad.health(primary)); // the cluster's balancer no longer counts ejected hosts healthy
        assertEquals(0, PriorityLoad.health(List.of()));
        assertEquals(0, PriorityLoad.pick(new int[] {70, 30}, 69));
        assertEquals(1, PriorityLoad.pick(new int[] {70, 30}, 70));
    }

    @Test
    void endpointsEdsCallsUnhealthyLowerAClustersHealthWithoutAnyEjection() {
        List<LbEndpoint> hosts = new ArrayList<>(hosts(2, 3000));
        hosts.add(new LbEndpoint(new InetSocketAddress("127.0.0.1", 3002), 1, false, "", new LbEndpoint.Counters()));
        hosts.add(new LbEndpoint(new InetSocketAddress("127.0.0.1", 3003), 1, false, "", new LbEndpoint.Counters()));
        assertEquals(70, PriorityLoad.health(cluster("half", hosts)));
    }

    @Test
    void aHealthyPrimaryTakesEveryFirstAttempt() {
        for (int p = 0; p < 100; p++) {
            AggregateSelection s = new AggregateSelection(aggregate, 0);
            assertSame(primary, s.choose(clusters, p));
            assertFalse(s.lastWasFallback());
        }
    }

    @Test
    void theFallbackTakesTheShareThePrimaryCannot() {
        eject(primary, primaryHosts, 2); // primary health 70: 70 % primary, 30 % fallback
        int toFallback = 0;
        for (int p = 0; p < 100; p++) {
            if (new AggregateSelection(aggregate, 0).choose(clusters, p) == fallback) {
                toFallback++;
            }
        }
        assertEquals(30, toFallback);
        eject(primary, primaryHosts.subList(2, 4), 2);
        AggregateSelection s = new AggregateSelection(aggregate, 0);
        assertSame(fallback, s.choose(clusters, 0)); // all ejected: everything to the fallback
        assertTrue(s.lastWasFallback());
    }

    @Test
    void previousPrioritiesSendTheAttemptAfterEveryUpdateFrequencyToTheFallback() {
        AggregateSelection s = new AggregateSelection(aggregate, 3);
        assertSame(primary, s.choose(clusters, 0));
        assertSame(primary, s.choose(clusters, 0));
        assertSame(primary, s.choose(clusters, 0));
        assertSame(fallback, s.choose(clusters, 0)); // the 3 attempts' priority excluded
        assertSame(fallback, s.choose(clusters, 0));
        assertSame(fallback, s.choose(clusters, 0));
        // Both priorities attempted and excluded: nothing healthy left, so it starts again from the primary.
        assertSame(primary, s.choose(clusters, 0));

        AggregateSelection every = new AggregateSelection(aggregate, 1);
        assertSame(primary, every.choose(clusters, 0));
        assertSame(fallback, every.choose(clusters, 0));
        assertSame(primary, every.choose(clusters, 0));
    }

    @Test
    void childrenMissingFromTheConfigAreSkipped() {
        AggregateSelection s = new AggregateSelection(aggregate, 1);
        assertSame(fallback, s.choose(Map.of("fallback", fallback), 0));
        assertNull(new AggregateSelection(aggregate, 1).choose(Map.of("aggregate", aggregate), 0));
    }
}
