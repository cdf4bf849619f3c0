package io.qmesh.proxy.xds;

import com.google.protobuf.Duration;
import io.qmesh.proxy.config.InvalidConfigException;

final class Durations {

    private Durations() {
    }

    static long millis(Duration d, String field) throws InvalidConfigException {
        if (d.getSeconds() < 0 || d.getNanos() < 0) {
            throw new InvalidConfigException(field + ": " + d.getSeconds() + "s (expected: >= 0)");
        }
        return d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
    }
}
