package io.qmesh.pilot.model.istio;

import java.util.Comparator;

/** Identity of a rule object: kind, namespace, name. */
public record ConfigKey(ConfigKind kind, String namespace, String name) implements Comparable<ConfigKey> {
    private static final Comparator<ConfigKey> ORDER = Comparator.comparing(ConfigKey::kind)
            .thenComparing(ConfigKey::namespace).thenComparing(ConfigKey::name);

    @Override
    public int compareTo(ConfigKey o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return kind.kind() + " " + namespace + "/" + name;
    }
}
