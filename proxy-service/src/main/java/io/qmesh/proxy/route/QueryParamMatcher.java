package io.qmesh.proxy.route;

/** Envoy's route.v3.QueryParameterMatcher: a string match on the first value, or a presence test (matcher null). */
public record QueryParamMatcher(String name, StringMatcher matcher) {

    public boolean matches(RequestView request) {
        String value = request.queryParam(name);
        if (matcher == null) {
            return value != null;
        }
        return value != null && matcher.matches(value);
    }
}
