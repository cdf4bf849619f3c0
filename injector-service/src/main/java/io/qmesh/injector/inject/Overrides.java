package io.qmesh.injector.inject;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Reads and validates the per-pod override annotations. Each accessor returns the annotation's
 * value when present and valid, the default when absent, and throws an {@link InjectionException}
 * naming the annotation and the expectation when the value is invalid.
 */
final class Overrides {

    private static final Pattern QUANTITY = Pattern.compile("^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$");

    private final Map<String, String> annotations;

    Overrides(Map<String, String> annotations) {
        this.annotations = annotations == null ? Map.of() : new TreeMap<>(annotations);
    }

    Map<String, String> all() {
        return annotations;
    }

    private static String field(String annotation) {
        return "metadata.annotations[" + annotation + "]";
    }

    String quantity(String annotation, String fallback) {
        String value = annotations.get(annotation);
        if (value == null) {
            return fallback;
        }
        if (!QUANTITY.matcher(value).matches()) {
            throw new InjectionException(field(annotation) + ": " + value
                    + " (expected: a Kubernetes quantity like 100m, 2, 128Mi or 1Gi)");
        }
        return value;
    }

    String image(String annotation, String fallback) {
        String value = annotations.get(annotation);
        if (value == null) {
            return fallback;
        }
        if (value.isBlank() || value.chars().anyMatch(Character::isWhitespace)) {
            throw new InjectionException(field(annotation) + ": '" + value + "' (expected: an image reference without spaces)");
        }
        return value;
    }

    String choice(String annotation, String fallback, List<String> allowed) {
        String value = annotations.get(annotation);
        if (value == null) {
            return fallback;
        }
        if (!allowed.contains(value)) {
            throw new InjectionException(field(annotation) + ": " + value + " (expected: one of " + String.join(", ", allowed) + ")");
        }
        return value;
    }

    int nonNegative(String annotation, int fallback) {
        String value = annotations.get(annotation);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InjectionException(field(annotation) + ": " + value + " (expected: an integer >= 0)");
    }

    boolean bool(String annotation, boolean fallback) {
        String value = annotations.get(annotation);
        return value == null ? fallback : InjectionPolicy.parseBoolean(field(annotation), value);
    }

    /** A comma-separated port list; {@code allowStar} also accepts "*" (all ports). */
    String ports(String annotation, String fallback, boolean allowStar) {
        return list(annotation, fallback, allowStar, Overrides::isPort, "comma-separated ports 1-65535");
    }

    /** A comma-separated CIDR list; {@code allowStar} also accepts "*" (all addresses). */
    String cidrs(String annotation, String fallback, boolean allowStar) {
        return list(annotation, fallback, allowStar, Cidr::isValid, "comma-separated CIDRs like 10.0.0.0/8");
    }

    /** Reads a comma-separated list annotation (spaces ignored), checking each element. */
    private String list(String annotation, String fallback, boolean allowStar, Predicate<String> valid,
            String expectation) {
        String value = annotations.get(annotation);
        if (value == null) {
            return fallback;
        }
        String compact = value.replace(" ", "");
        if (compact.isEmpty() || (allowStar && compact.equals("*"))) {
            return compact;
        }
        for (String element : compact.split(",", -1)) {
            if (!valid.test(element)) {
                throw new InjectionException(field(annotation) + ": " + value + " (expected: "
                        + (allowStar ? "* or " : "") + expectation + "; '" + element + "' is not one)");
            }
        }
        return compact;
    }

    private static boolean isPort(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            return false;
        }
        int port = Integer.parseInt(text);
        return port >= 1 && port <= 65535;
    }
}
