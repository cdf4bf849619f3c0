package io.qmesh.proxy.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Each policy's distribution and invariants, with a seeded random source. */
class LoadBalancerTest {

    static List<LbEndpoint> hosts(int n) {
        List<LbEndpoint> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(host(i, 1, true));
        }
        return out;
    }

    static LbEndpoint host(int i, int weight, boolean healthy) {
        return new LbEndpoint(new InetSocketAddress("10.0.0." + (i + 1), 9080), weight, healthy, "", new LbEndpoint.Counters());
    }

    static Map<LbEndpoint, Integer> count(LoadBalancer lb, int n, Function<Integer, Long> hash) {
        Map<LbEndpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(lb.pick(hash.apply(i), null, 1), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void roundRobinIsExactlyEvenAndHonoursWeights() {
        List<LbEndpoint> hosts = hosts(3);
        Map<LbEndpoint, Integer> even = count(new RoundRobinLoadBalancer(hosts, RandomSource.seeded(1)), 300, i -> null);
        hosts.forEach(h -> assertEquals(100, even.get(h)));
        List<LbEndpoint> weighted = List.of(host(0, 3, true), host(1, 1, true));
        Map<LbEndpoint, Integer> w = count(new RoundRobinLoadBalancer(weighted, RandomSource.seeded(1)), 400, i -> null);
        assertEquals(300, w.get(weighted.get(0)));
        assertEquals(100, w.get(weighted.get(1)));
    }

    @Test
    void smoothWeightedScheduleInterleaves() {
        LbEndpoint a = host(0, 2, true);
        LbEndpoint b = host(1, 1, true);
        LbEndpoint[] schedule = RoundRobinLoadBalancer.smoothSchedule(List.of(a, b));
        assertEquals(List.of(a, b, a), List.of(schedule));
    }

    @Test
    void randomIsUniformWithinBounds() {
        List<LbEndpoint> hosts = hosts(4);
        Map<LbEndpoint, Integer> c = count(new RandomLoadBalancer(hosts, RandomSource.seeded(7)), 10_000, i -> null);
        // p = 0.25, sd = 43; 5 sd.
        hosts.forEach(h -> assertTrue(Math.abs(c.get(h) - 2500) < 217, "count " + c.get(h)));
    }

    @Test
    void leastRequestNeverPicksTheBusiestOfThree() {
        List<LbEndpoint> hosts = hosts(3);
        hosts.get(2).counters().activeRequests.set(10);
        hosts.get(1).counters().activeRequests.set(1);
        Map<LbEndpoint, Integer> c = count(new LeastRequestLoadBalancer(hosts, RandomSource.seeded(3)), 3000, i -> null);
        assertEquals(null, c.get(hosts.get(2)), "with two choices the busiest host always loses");
        // host 0 wins whenever sampled (2 of 3 pairs), host 1 only against host 2 (1 of 3).
        assertTrue(c.get(hosts.get(0)) > 1800 && c.get(hosts.get(1)) > 800, c.toString());
    }

    @Test
    void unhealthyEndpointsAreSkippedUnlessInPanic() {
        List<LbEndpoint> hosts = List.of(host(0, 1, true), host(1, 1, true), host(2, 1, false));
        Map<LbEndpoint, Integer> c = count(new RoundRobinLoadBalancer(hosts, RandomSource.seeded(1)), 100, i -> null);
        assertEquals(null, c.get(hosts.get(2)));
        List<LbEndpoint> mostlyDown = List.of(host(0, 1, true), host(1, 1, false), host(2, 1, false));
        Map<LbEndpoint, Integer> panic = count(new RoundRobinLoadBalancer(mostlyDown, RandomSource.seeded(1)), 99, i -> null);
        assertEquals(3, panic.size(), "below 50 % healthy Envoy balances over all hosts");
    }

    @Test
    void previousHostsAreAvoided() {
        List<LbEndpoint> hosts = hosts(3);
        LoadBalancer lb = new RandomLoadBalancer(hosts, RandomSource.seeded(5));
        for (int i = 0; i < 200; i++) {
            LbEndpoint picked = lb.pick(null, e -> e == hosts.get(0), 5);
            assertNotEquals(hosts.get(0), picked);
        }
    }

    @Test
    void ringHashIsStickyBalancedAndConsistent() {
        assertConsistentHashing(hosts -> new RingHashLoadBalancer(hosts, RandomSource.seeded(1), 1024, 8_388_608));
    }

    @Test
    void maglevIsStickyBalancedAndConsistent() {
        assertConsistentHashing(hosts -> new MaglevLoadBalancer(hosts, RandomSource.seeded(1), 65537));
    }

    /**
     * Keys of surviving hosts mostly stay put. Not exactly: the ring keeps its minimum size, so the
     * survivors gain points (Envoy behaves the same); modulo hashing would move about 2/3 of them.
     */
    private void assertConsistentHashing(Function<List<LbEndpoint>, LoadBalancer> factory) {
        List<LbEndpoint> four = hosts(4);
        LoadBalancer lb = factory.apply(four);
        Map<LbEndpoint, Integer> c = count(lb, 20_000, i -> Hashing.hash64("user-" + i));
        four.forEach(h -> assertTrue(c.get(h) > 3500 && c.get(h) < 6500, "share " + c));
        assertEquals(lb.pick(Hashing.hash64("jason"), null, 1), lb.pick(Hashing.hash64("jason"), null, 1));
        // Remove one host: keys that were not on it stay where they were.
        LoadBalancer three = factory.apply(four.subList(0, 3));
        int moved = 0;
        for (int i = 0; i < 5000; i++) {
            long h = Hashing.hash64("user-" + i);
            LbEndpoint before = lb.pick(h, null, 1);
            if (before != four.get(3) && three.pick(h, null, 1) != before) {
                moved++;
            }
        }
        assertTrue(moved < 750, "keys moved needlessly: " + moved);
    }

    @Test
    void retryBackoffIsFullyJitteredAndCapped() {
        var policy = new io.qmesh.proxy.route.RetryPolicy(java.util.Set.of("5xx"), 5, 0, 25, 250, java.util.Set.of(), false, 1);
        assertEquals(0, policy.backoffMillis(1, 0.0));
        assertEquals(24, policy.backoffMillis(1, 0.99));
        assertEquals(74, policy.backoffMillis(2, 0.99));
        assertEquals(247, policy.backoffMillis(10, 0.99), "capped at max_interval");
    }
}
