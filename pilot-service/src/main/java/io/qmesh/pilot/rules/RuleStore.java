package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.istio.ConfigKey;
import io.qmesh.pilot.model.istio.ConfigKind;
import io.qmesh.pilot.model.istio.ConfigMeta;
import io.qmesh.pilot.model.istio.IstioConfig;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The rule objects, keyed by kind/namespace/name. A batch of writes is all-or-nothing: it is applied to a
 * copy, the copy is persisted, and only then does it replace the current state and notify listeners.
 * If persisting fails nothing changes. Callers validate before writing; the store checks only existence.
 */
public final class RuleStore {
    public enum Op { APPLY, CREATE, REPLACE, DELETE }

    public record Write(Op op, ConfigKey key, IstioConfig config) {
        public static Write of(Op op, IstioConfig config) {
            return new Write(op, config.key(), config);
        }

        public static Write delete(ConfigKey key) {
            return new Write(Op.DELETE, key, null);
        }
    }

    /** {@code result} is created, configured, unchanged or deleted (kubectl's words). */
    public record Outcome(ConfigKey key, String result, IstioConfig config) {
    }

    private final RuleStorage storage;
    private final Clock clock;
    private final List<Consumer<List<IstioConfig>>> listeners = new CopyOnWriteArrayList<>();
    private Map<ConfigKey, IstioConfig> state = new TreeMap<>();
    private long revision;

    /** Loads what {@code storage} holds; a corrupt store throws, so pilot never starts without its rules. */
    public RuleStore(RuleStorage storage, Clock clock) {
        this.storage = Objects.requireNonNull(storage);
        this.clock = clock;
        RuleStorage.Contents loaded = storage.load();
        for (IstioConfig c : loaded.configs()) {
            state.put(c.key(), c);
        }
        revision = loaded.revision();
    }

    public synchronized long revision() {
        return revision;
    }

    public synchronized List<IstioConfig> all() {
        return List.copyOf(state.values());
    }

    /** Objects of a kind, in one namespace or (null) all, sorted by namespace and name. */
    public synchronized List<IstioConfig> list(ConfigKind kind, String namespace) {
        return state.values().stream()
                .filter(c -> c.kind() == kind && (namespace == null || c.metadata().namespace().equals(namespace)))
                .toList();
    }

    public synchronized Optional<IstioConfig> get(ConfigKey key) {
        return Optional.ofNullable(state.get(key));
    }

    /** What the store would hold after {@code writes}, for warnings that need the whole rule set. */
    public synchronized List<IstioConfig> preview(List<Write> writes) {
        return List.copyOf(simulate(writes, new ArrayList<>()).values());
    }

    public void onChange(Consumer<List<IstioConfig>> listener) {
        listeners.add(listener);
    }

    /** Applies every write or none; throws {@link RuleException} (404/409) naming the first conflict. */
    public List<Outcome> write(List<Write> writes) {
        List<Outcome> outcomes = new ArrayList<>();
        List<IstioConfig> snapshot;
        synchronized (this) {
            Map<ConfigKey, IstioConfig> next = simulate(writes, outcomes);
            boolean changed = outcomes.stream().anyMatch(o -> !o.result().equals("unchanged"));
            if (!changed) {
                return outcomes;
            }
            long nextRevision = revision + 1;
            storage.save(nextRevision, List.copyOf(next.values()));
            state = next;
            revision = nextRevision;
            snapshot = List.copyOf(next.values());
        }
        for (Consumer<List<IstioConfig>> l : listeners) {
            l.accept(snapshot);
        }
        return outcomes;
    }

    private Map<ConfigKey, IstioConfig> simulate(List<Write> writes, List<Outcome> outcomes) {
        Map<ConfigKey, IstioConfig> next = new TreeMap<>(state);
        String version = Long.toString(revision + 1);
        for (Write w : writes) {
            IstioConfig old = next.get(w.key());
            switch (w.op()) {
                case DELETE -> {
                    if (old == null) {
                        throw notFound(w.key());
                    }
                    next.remove(w.key());
                    outcomes.add(new Outcome(w.key(), "deleted", old));
                }
                case CREATE, REPLACE, APPLY -> {
                    if (w.op() == Op.CREATE && old != null) {
                        throw new RuleException(409, "AlreadyExists", w.key() + " already exists", List.of());
                    }
                    if (w.op() == Op.REPLACE && old == null) {
                        throw notFound(w.key());
                    }
                    if (old != null && sameContent(old, w.config())) {
                        outcomes.add(new Outcome(w.key(), "unchanged", old));
                        continue;
                    }
                    String created = old != null ? old.metadata().creationTimestamp() : clock.instant().toString();
                    IstioConfig stored = w.config().withMetadata(w.config().metadata().withStoreInfo(version, created));
                    next.put(w.key(), stored);
                    outcomes.add(new Outcome(w.key(), old == null ? "created" : "configured", stored));
                }
            }
        }
        return next;
    }

    private static boolean sameContent(IstioConfig a, IstioConfig b) {
        ConfigMeta ma = a.metadata();
        ConfigMeta mb = b.metadata();
        return a.spec().equals(b.spec()) && ma.labels().equals(mb.labels()) && ma.annotations().equals(mb.annotations());
    }

    private static RuleException notFound(ConfigKey key) {
        return new RuleException(404, "NotFound", key + " not found", List.of());
    }
}
