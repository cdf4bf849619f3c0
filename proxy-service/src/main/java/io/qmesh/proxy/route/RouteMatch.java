package io.qmesh.proxy.route;

import java.util.List;

/** All conditions of one Envoy RouteMatch; they are ANDed. */
public record RouteMatch(PathMatcher path, List<HeaderMatcher> headers, List<QueryParamMatcher> queryParams) {

    public boolean matches(RequestView request) {
        if (!path.matches(request.path())) {
            return false;
        }
        for (HeaderMatcher h : headers) {
            if (!h.matches(request)) {
                return false;
            }
        }
        for (QueryParamMatcher q : queryParams) {
            if (!q.matches(request)) {
                return false;
            }
        }
        return true;
    }
}
