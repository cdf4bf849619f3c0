package io.qmesh.proxy.route;

/**
 * Envoy's route.v3.HeaderMatcher. {@code matcher == null} means a presence test ({@code present}
 * true or false). Multiple values of one header are matched joined with ",", as Envoy does.
 *
 * @param present        for presence tests: whether the header must be present (false = absent)
 * @param treatMissingAsEmpty match a missing header as ""
 */
public record HeaderMatcher(String name, StringMatcher matcher, boolean present, boolean invert,
                            boolean treatMissingAsEmpty) {

    public boolean matches(RequestView request) {
        String value = request.header(name);
        boolean result;
        if (matcher == null) {
            result = (value != null) == present;
        } else {
            if (value == null && treatMissingAsEmpty) {
                value = "";
            }
            result = value != null && matcher.matches(value);
        }
        return result != invert;
    }
}
