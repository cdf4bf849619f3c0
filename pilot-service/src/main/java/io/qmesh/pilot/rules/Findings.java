package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Collects errors and warnings while a validator walks a spec, with the field checks every kind shares.
 * Messages follow one shape: {@code <path>: <value> (expected: <what>)}.
 */
final class Findings {
    static final Pattern DNS1123_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
    static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private static final Pattern HOST_LABEL = Pattern.compile("^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$");
    private static final Pattern LABEL_VALUE = Pattern.compile("^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$");
    private static final Pattern LABEL_NAME = Pattern.compile("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$");
    private static final Pattern HEADER_NAME = Pattern.compile("^[-!#$%&'*+.^_`|~0-9a-zA-Z]+$");

    final List<FieldError> errors = new ArrayList<>();
    final List<FieldError> warnings = new ArrayList<>();

    void error(String path, String message) {
        errors.add(new FieldError(path, message));
    }

    void warn(String path, String message) {
        warnings.add(new FieldError(path, message));
    }

    static String q(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    void required(String path, Object value, String expected) {
        if (value == null || (value instanceof String s && s.isEmpty())) {
            error(path, "missing (expected: " + expected + ")");
        }
    }

    /** A duration of at least 1ms, as Istio requires everywhere it takes one. */
    Duration duration(String path, String value) {
        if (value == null) {
            return null;
        }
        try {
            Duration d = Durations.parse(value);
            if (d.compareTo(Duration.ofMillis(1)) < 0) {
                error(path, q(value) + " (expected: a duration >= 1ms)");
            }
            return d;
        } catch (IllegalArgumentException e) {
            error(path, q(value) + " (" + e.getMessage().replaceFirst("^expected", "expected:") + ")");
            return null;
        }
    }

    void range(String path, Number value, long min, long max) {
        if (value != null && (value.longValue() < min || value.longValue() > max)) {
            error(path, value + " (expected: " + min + ".." + max + ")");
        }
    }

    void atLeast(String path, Number value, long min) {
        if (value != null && value.longValue() < min) {
            error(path, value + " (expected: >= " + min + ")");
        }
    }

    void percent(String path, Double value) {
        if (value != null && (value < 0 || value > 100 || value.isNaN())) {
            error(path, value + " (expected: 0..100)");
        }
    }

    void port(String path, Integer value) {
        range(path, value, 1, 65535);
    }

    /** A DNS name, optionally with a leading {@code *.}, or {@code *} alone when {@code allowStar}. */
    void host(String path, String host, boolean allowStar) {
        if (host == null || host.isEmpty()) {
            error(path, "missing (expected: a host name such as reviews or reviews.default.svc.cluster.local)");
            return;
        }
        if (host.equals("*")) {
            if (!allowStar) {
                error(path, "\"*\" (expected: a host name; the wildcard * is only allowed with gateways)");
            }
            return;
        }
        String name = host.startsWith("*.") ? host.substring(2) : host;
        boolean ok = name.length() <= 253 && !name.isEmpty();
        for (String label : name.split("\\.", -1)) {
            ok &= HOST_LABEL.matcher(label).matches();
        }
        if (!ok) {
            error(path, q(host) + " (expected: a DNS name, optionally starting with \"*.\")");
        }
    }

    void dnsLabel(String path, String value) {
        if (value != null && !DNS1123_LABEL.matcher(value).matches()) {
            error(path, q(value) + " (expected: a lowercase RFC 1123 label: a-z, 0-9 and '-', at most 63 characters)");
        }
    }

    void labels(String path, Map<String, String> labels) {
        if (labels == null) {
            return;
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            String key = e.getKey();
            int slash = key.indexOf('/');
            String name = slash < 0 ? key : key.substring(slash + 1);
            String prefix = slash < 0 ? null : key.substring(0, slash);
            if (!LABEL_NAME.matcher(name).matches()
                    || (prefix != null && !DNS1123_SUBDOMAIN.matcher(prefix).matches())) {
                error(path + "." + key, "invalid label key (expected: [prefix/]name with alphanumerics, '-', '_', '.')");
            } else if (e.getValue() == null || !LABEL_VALUE.matcher(e.getValue()).matches()) {
                error(path + "." + key, q(e.getValue())
                        + " (expected: a label value: at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric)");
            }
        }
    }

    void headerName(String path, String name) {
        if (name == null || name.isEmpty() || !HEADER_NAME.matcher(name).matches()) {
            error(path, q(name) + " (expected: an HTTP header name)");
        }
    }

    /** RE2 syntax, as Envoy's regex engine needs: no backreferences, no lookaround. */
    void regex(String path, String regex) {
        if (regex == null) {
            return;
        }
        try {
            com.google.re2j.Pattern.compile(regex);
        } catch (com.google.re2j.PatternSyntaxException e) {
            error(path, q(regex) + " (expected: an RE2 regular expression; " + e.getDescription() + ")");
        }
    }
}
