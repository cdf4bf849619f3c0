package io.qmesh.proxy.stats;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters under one prefix ({@code cluster.<name>.}, {@code http.<stat_prefix>.}), found without
 * building their names: every request bumps several of them, and concatenating and hashing a fresh
 * name each time was a visible share of the proxy's CPU. Names given to {@link #inc} are constants, so
 * their hash is cached; status-code counters are indexed by the code (slots 0-9 for classes, then codes). Shared by all event loops.
 */
public final class StatsScope {

    private static final int CLASSES = 10;
    private static final int MAX_CODE = 1000;

    private final StatsRegistry registry;
    private final String prefix;
    private final ConcurrentHashMap<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicReferenceArray<LongAdder>> byCode = new ConcurrentHashMap<>();

    StatsScope(StatsRegistry registry, String prefix) {
        this.registry = registry;
        this.prefix = prefix;
    }

    /** e.g. {@code cluster.outbound|9080||reviews.default.svc.cluster.local.} */
    public String prefix() {
        return prefix;
    }

    /** Counts {@code <prefix><name>}. */
    public void inc(String name) {
        counter(name).increment();
    }

    public LongAdder counter(String name) {
        LongAdder c = counters.get(name);
        return c != null ? c : counters.computeIfAbsent(name, n -> registry.counter(prefix + n));
    }

    /** Counts {@code <prefix><name><code>}, e.g. upstream_rq_200. */
    public void incCode(String name, int code) {
        inc(name, code + CLASSES, code, false);
    }

    /** Counts {@code <prefix><name><class>xx} of the code, e.g. downstream_rq_2xx for 200. */
    public void incClass(String name, int code) {
        inc(name, code / 100, code, true);
    }

    private void inc(String name, int slot, int code, boolean asClass) {
        if (code < 0 || code >= MAX_CODE) {
            inc(name + text(code, asClass));
            return;
        }
        AtomicReferenceArray<LongAdder> slots = byCode.get(name);
        if (slots == null) {
            slots = byCode.computeIfAbsent(name, n -> new AtomicReferenceArray<>(CLASSES + MAX_CODE));
        }
        LongAdder c = slots.get(slot);
        if (c == null) {
            // The registry hands out one adder per name, so a race here stores the same instance twice.
            c = registry.counter(prefix + name + text(code, asClass));
            slots.set(slot, c);
        }
        c.increment();
    }

    private static String text(int code, boolean asClass) {
        return asClass ? (code / 100) + "xx" : Integer.toString(code);
    }
}
