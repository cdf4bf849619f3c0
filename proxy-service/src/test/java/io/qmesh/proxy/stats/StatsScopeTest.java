package io.qmesh.proxy.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** A scope's counters are the registry's, under their full Envoy names. */
class StatsScopeTest {

    final StatsRegistry registry = new StatsRegistry();
    final StatsScope cluster = registry.scope("cluster.outbound|9080||reviews.default.svc.cluster.local.");

    @Test
    void countsUnderThePrefix() {
        cluster.inc("upstream_rq_total");
        cluster.inc("upstream_rq_total");
        assertEquals(2, registry.get("cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_total"));
        assertSame(cluster, registry.scope(cluster.prefix()));
    }

    @Test
    void statusCodesAndClassesAreSeparateCounters() {
        cluster.incCode("upstream_rq_", 200);
        cluster.incCode("upstream_rq_", 200);
        cluster.incClass("upstream_rq_", 200);
        cluster.incClass("upstream_rq_", 204);
        cluster.incCode("upstream_rq_", 2); // a code and a class index that must not collide
        cluster.incCode("upstream_rq_", 1234); // beyond the indexed codes
        String p = cluster.prefix() + "upstream_rq_";
        assertEquals(2, registry.get(p + "200"));
        assertEquals(2, registry.get(p + "2xx"));
        assertEquals(1, registry.get(p + "2"));
        assertEquals(1, registry.get(p + "1234"));
        assertEquals(0, registry.get(p + "204"));
    }

    @Test
    void anHttpScopeIsNamedAfterTheConnectionManagersStatPrefix() {
        registry.httpScope("inbound_0.0.0.0_9080").incClass("downstream_rq_", 503);
        assertEquals(1, registry.get("http.inbound_0.0.0.0_9080.downstream_rq_5xx"));
        assertSame(registry.httpScope("inbound_0.0.0.0_9080"), registry.scope("http.inbound_0.0.0.0_9080."));
    }
}
