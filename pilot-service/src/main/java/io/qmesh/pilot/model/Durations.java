package io.qmesh.pilot.model;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Protobuf-JSON durations as Istio writes them: {@code 10s}, {@code 0.5s}, {@code 1.5ms}, {@code 3m}, {@code 1h}. */
public final class Durations {
    private static final Pattern FORMAT = Pattern.compile("^(\\d+(?:\\.\\d+)?)(h|m|s|ms|us|µs|ns)$");

    private Durations() {
    }

    /** Parses {@code text}; throws IllegalArgumentException with the expected format when it is malformed. */
    public static Duration parse(String text) {
        Matcher m = text == null ? null : FORMAT.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("expected a duration like 10s, 0.5s, 100ms, 3m or 1h");
        }
        double value = Double.parseDouble(m.group(1));
        double nanos;
        switch (m.group(2)) {
            case "h":
                nanos = value * 3_600e9;
                break;
            case "m":
                nanos = value * 60e9;
                break;
            case "s":
                nanos = value * 1e9;
                break;
            case "ms":
                nanos = value * 1e6;
                break;
            case "us":
            case "µs":
                nanos = value * 1e3;
                break;
            default:
                nanos = value;
        }
        return Duration.ofNanos(Math.round(nanos));
    }
}
