package io.qmesh.proxy.route;

import com.google.re2j.Pattern;
import java.util.Locale;

/** Envoy's type.matcher.v3.StringMatcher: exact / prefix / suffix / contains / safe_regex (RE2), optional ignore_case. */
public record StringMatcher(Kind kind, String value, Pattern regex, boolean ignoreCase) {

    public enum Kind { EXACT, PREFIX, SUFFIX, CONTAINS, REGEX }

    public static StringMatcher exact(String value, boolean ignoreCase) {
        return new StringMatcher(Kind.EXACT, value, null, ignoreCase);
    }

    public boolean matches(String input) {
        if (input == null) {
            return false;
        }
        if (kind == Kind.REGEX) {
            // RE2 semantics: the whole value must match (Envoy uses full match for safe_regex).
            return regex.matches(input);
        }
        String in = ignoreCase ? input.toLowerCase(Locale.ROOT) : input;
        String v = ignoreCase ? value.toLowerCase(Locale.ROOT) : value;
        return switch (kind) {
            case EXACT -> in.equals(v);
            case PREFIX -> in.startsWith(v);
            case SUFFIX -> in.endsWith(v);
            case CONTAINS -> in.contains(v);
            case REGEX -> throw new AssertionError();
        };
    }
}
