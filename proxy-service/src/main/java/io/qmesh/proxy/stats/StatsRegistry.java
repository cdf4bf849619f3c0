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
    private final ConcurrentHashMap<String, StatsScope> scopes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, StatsScope> httpScopes = new ConcurrentHashMap<>();

    public LongAdder counter(String name) {
        LongAdder c = counters.get(name);
        return c != null ? c : counters.computeIfAbsent(name, k -> new LongAdder());
    }

    /** The counters whose names start with {@code prefix}; one scope per prefix. */
    public StatsScope scope(String prefix) {
        StatsScope s = scopes.get(prefix);
        return s != null ? s : scopes.computeIfAbsent(prefix, p -> new StatsScope(this, p));
    }

    /** An HTTP connection manager's counters, {@code http.<stat_prefix>.*}, by its stat_prefix. */
    public StatsScope httpScope(String statPrefix) {
        StatsScope s = httpScopes.get(statPrefix);
        return s != null ? s : httpScopes.computeIfAbsent(statPrefix, p -> scope("http." + p + "."));
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
