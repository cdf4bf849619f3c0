package io.qmesh.proxy.route;

import com.google.re2j.Pattern;
import java.util.Locale;

/**
 * The path part of Envoy's RouteMatch. {@code path} and {@code safe_regex} match the path without
 * the query string; {@code prefix} matches the beginning of the path; {@code path_separated_prefix}
 * matches a prefix ending at a segment boundary. Case sensitivity (default true) applies to
 * prefix/path only, as in Envoy; the regex carries its own flags.
 */
public record PathMatcher(Kind kind, String value, Pattern regex, boolean caseSensitive) {

    public enum Kind { PREFIX, EXACT, REGEX, SEPARATED_PREFIX }

    public boolean matches(String path) {
        return switch (kind) {
            case REGEX -> regex.matches(path);
            case EXACT -> caseSensitive ? path.equals(value) : path.equalsIgnoreCase(value);
            case PREFIX -> caseSensitive ? path.startsWith(value)
                    : path.toLowerCase(Locale.ROOT).startsWith(value.toLowerCase(Locale.ROOT));
            case SEPARATED_PREFIX -> {
                boolean prefix = caseSensitive ? path.startsWith(value)
                        : path.toLowerCase(Locale.ROOT).startsWith(value.toLowerCase(Locale.ROOT));
                yield prefix && (path.length() == value.length() || path.charAt(value.length()) == '/');
            }
        };
    }
}
