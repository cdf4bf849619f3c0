package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.istio.IstioConfig;

import java.util.List;

/** Where the store keeps its rules between restarts. */
public interface RuleStorage {
    record Contents(long revision, List<IstioConfig> configs) {
    }

    /** Everything saved; throws IllegalStateException when the store exists but cannot be read. */
    Contents load();

    /** Replaces everything saved, atomically: after a crash either the old or the new contents are read. */
    void save(long revision, List<IstioConfig> configs);

    /** Keeps rules in memory only (tests, or {@code pilot.data-dir} unset). */
    static RuleStorage inMemory() {
        return new RuleStorage() {
            private volatile Contents contents = new Contents(0, List.of());

            @Override
            public Contents load() {
                return contents;
            }

            @Override
            public void save(long revision, List<IstioConfig> configs) {
                contents = new Contents(revision, configs);
            }
        };
    }
}
