package io.qmesh.proxy.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmesh.proxy.resilience.OutlierDetector;
import io.qmesh.proxy.stats.StatsRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Ejected endpoints out of every balancer's picks, and the panic threshold bringing them back. */
class EjectionAwareLoadBalancerTest {

    final List<LbEndpoint> hosts = LoadBalancerTest.hosts(4);
    final OutlierDetector detector = new OutlierDetector("cluster.c.", new StatsRegistry(), () -> 0L, () -> 0.0);

    EjectionAwareLoadBalancerTest() {
        // One 5xx ejects; any share may be ejected.
        detector.update(new OutlierDetector.Config(1, 100, 5, 0, 1_000_000_000L, 1_000_000_000L, 1_000_000_000L, 100),
                hosts.stream().map(h -> h.counters().outlier).toList());
    }

    void eject(int... indexes) {
        for (int i : indexes) {
            detector.reportStatus(hosts.get(i).counters().outlier, 500);
            assertTrue(hosts.get(i).counters().outlier.ejected());
        }
    }

    @Test
    void ejectedHostsAreNeverPickedByAnyPolicy() {
        eject(1);
        for (LoadBalancer inner : List.of(new RoundRobinLoadBalancer(hosts, RandomSource.seeded(1)),
                new LeastRequestLoadBalancer(hosts, RandomSource.seeded(2)),
                new RandomLoadBalancer(hosts, RandomSource.seeded(3)),
                new RingHashLoadBalancer(hosts, RandomSource.seeded(4), 1024, 8_388_608),
                new MaglevLoadBalancer(hosts, RandomSource.seeded(5), 65537))) {
            LoadBalancer lb = new EjectionAwareLoadBalancer(inner, detector, 0);
            Map<LbEndpoint, Integer> counts = LoadBalancerTest.count(lb, 300, i -> (long) i * 0x9E3779B97F4A7C15L);
            assertFalse(counts.containsKey(hosts.get(1)), inner.getClass().getSimpleName() + ": " + counts);
            assertEquals(3, counts.size(), inner.getClass().getSimpleName() + " uses the other three: " + counts);
        }
    }

    @Test
    void retriesAvoidPreviousHostsAndEjectedOnes() {
        eject(0, 1);
        LoadBalancer lb = new EjectionAwareLoadBalancer(new RoundRobinLoadBalancer(hosts, RandomSource.seeded(1)), detector, 0);
        for (int i = 0; i < 20; i++) {
            assertEquals(hosts.get(3), lb.pick(null, hosts.get(2)::equals, 1));
        }
        // Only a previously tried host is left: it is retried rather than an ejected one.
        eject(3);
        assertEquals(hosts.get(2), lb.pick(null, hosts.get(2)::equals, 1));
    }

    @Test
    void belowThePanicThresholdEveryHostIsUsedAgain() {
        eject(0, 1, 2); // 25 % left
        LoadBalancer noPanic = new EjectionAwareLoadBalancer(new RoundRobinLoadBalancer(hosts, RandomSource.seeded(1)), detector, 0);
        assertEquals(Map.of(hosts.get(3), 40), LoadBalancerTest.count(noPanic, 40, i -> null));
        LoadBalancer panic = new EjectionAwareLoadBalancer(new RoundRobinLoadBalancer(hosts, RandomSource.seeded(1)), detector, 50);
        assertEquals(4, LoadBalancerTest.count(panic, 40, i -> null).size(), "panic: balance over all hosts");
    }

    @Test
    void allEjectedWithoutPanicIsNoHealthyUpstream() {
        eject(0, 1, 2, 3);
        assertNull(new EjectionAwareLoadBalancer(new RoundRobinLoadBalancer(hosts, RandomSource.seeded(1)), detector, 0)
                .pick(null, null, 1));
        assertNotNull(new EjectionAwareLoadBalancer(new RoundRobinLoadBalancer(hosts, RandomSource.seeded(1)), detector, 50)
                .pick(null, null, 1));
    }
}
