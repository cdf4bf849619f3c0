package io.qmesh.proxy.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Envoy-style named counters ({@code cluster.<name>.upstream_rq_total}, {@code http.<prefix>.downstream_rq_5xx}).
 * Counters are LongAdders so event loops never contend; names survive config changes.
 */
public final class StatsRegistry {

    private final ConcurrentHashMap<String, LongAdder> counters = new ConcurrentHashMap<>();

    public LongAdder counter(String name) {
        LongAdder c = counters.get(name);
        return c != null ? c : counters.computeIfAbsent(name, k -> new LongAdder());
    }

    public void inc(String name) {
        counter(name).increment();
    }

    public long get(String name) {
        LongAdder c = counters.get(name);
        return c == null ? 0 : c.sum();
    }

    /** All counters, sorted by name. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
