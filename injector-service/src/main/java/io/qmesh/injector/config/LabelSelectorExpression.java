package io.qmesh.injector.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A label selector in the equality-based Kubernetes syntax: {@code app=web,tier!=db,canary,!legacy}.
 * All requirements must hold (AND), as in {@code kubectl get -l}.
 */
public final class LabelSelectorExpression {

    private record Requirement(String key, String value, boolean negated) {
        boolean matches(Map<String, String> labels) {
            boolean present = labels.containsKey(key);
            if (value == null) {
                return present != negated;
            }
            boolean equal = present && value.equals(labels.get(key));
            return equal != negated;
        }
    }

    private final String text;
    private final List<Requirement> requirements;

    private LabelSelectorExpression(String text, List<Requirement> requirements) {
        this.text = text;
        this.requirements = requirements;
    }

    /** Parses {@code text}; {@code field} names the configuration key in error messages. */
    public static LabelSelectorExpression parse(String field, String text) {
        List<Requirement> requirements = new ArrayList<>();
        for (String raw : text.split(",")) {
            String part = raw.trim();
            if (part.isEmpty()) {
                throw new IllegalArgumentException(field + ": '" + text + "' (expected: key=value,key!=value,key,!key)");
            }
            Requirement requirement;
            int notEquals = part.indexOf("!=");
            int equals = part.indexOf('=');
            if (notEquals > 0) {
                requirement = new Requirement(part.substring(0, notEquals).trim(), part.substring(notEquals + 2).trim(), true);
            } else if (equals > 0) {
                String value = part.substring(equals + 1);
                if (value.startsWith("=")) {
                    value = value.substring(1);
                }
                requirement = new Requirement(part.substring(0, equals).trim(), value.trim(), false);
            } else if (part.startsWith("!") && part.length() > 1) {
                requirement = new Requirement(part.substring(1).trim(), null, true);
            } else if (!part.contains("!") && !part.contains("=")) {
                requirement = new Requirement(part, null, false);
            } else {
                throw new IllegalArgumentException(field + ": '" + text + "' (expected: key=value,key!=value,key,!key)");
            }
            requirements.add(requirement);
        }
        return new LabelSelectorExpression(text, List.copyOf(requirements));
    }

    public boolean matches(Map<String, String> labels) {
        Map<String, String> safe = labels == null ? Map.of() : labels;
        return requirements.stream().allMatch(r -> r.matches(safe));
    }

    @Override
    public String toString() {
        return text;
    }
}
