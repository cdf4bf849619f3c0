package io.qmesh.pilot.xds;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Follows Envoy's route selection over generated route configurations, far enough for tests: exact
 * domain before {@code *}, first route whose path and header matchers all match. Returns the cluster,
 * or {@code a=50,b=50} for weighted clusters, or {@code direct:<status>}.
 */
final class RouteSimulator {
    private RouteSimulator() {
    }

    static Optional<String> route(ProxyResources resources, String routeConfig, String authority, String path,
                                  Map<String, String> headers) {
        Message m = resources.resources(TypeUrls.ROUTE).get(routeConfig);
        if (m == null) {
            return Optional.empty();
        }
        RouteConfiguration rc = (RouteConfiguration) m;
        VirtualHost vh = rc.getVirtualHostsList().stream().filter(v -> v.getDomainsList().contains(authority)).findFirst()
                .or(() -> rc.getVirtualHostsList().stream().filter(v -> v.getDomainsList().contains("*")).findFirst())
                .orElse(null);
        if (vh == null) {
            return Optional.empty();
        }
        for (Route r : vh.getRoutesList()) {
            if (matches(r, path, headers)) {
                if (r.hasDirectResponse()) {
                    return Optional.of("direct:" + r.getDirectResponse().getStatus());
                }
                if (r.getRoute().hasWeightedClusters()) {
                    return Optional.of(r.getRoute().getWeightedClusters().getClustersList().stream()
                            .map(c -> c.getName() + "=" + c.getWeight().getValue()).collect(Collectors.joining(",")));
                }
                return Optional.of(r.getRoute().getCluster());
            }
        }
        return Optional.empty();
    }

    private static boolean matches(Route r, String path, Map<String, String> headers) {
        var m = r.getMatch();
        boolean pathOk = switch (m.getPathSpecifierCase()) {
            case PREFIX -> path.startsWith(m.getPrefix());
            case PATH -> path.equals(m.getPath());
            case SAFE_REGEX -> com.google.re2j.Pattern.matches(m.getSafeRegex().getRegex(), path);
            default -> false;
        };
        if (!pathOk) {
            return false;
        }
        for (HeaderMatcher h : m.getHeadersList()) {
            String v = headers.get(h.getName());
            boolean ok = h.getPresentMatch() ? v != null : v != null && string(h.getStringMatch(), v);
            if (ok == h.getInvertMatch()) {
                return false;
            }
        }
        return true;
    }

    private static boolean string(StringMatcher s, String v) {
        return switch (s.getMatchPatternCase()) {
            case EXACT -> v.equals(s.getExact());
            case PREFIX -> v.startsWith(s.getPrefix());
            case SAFE_REGEX -> com.google.re2j.Pattern.matches(s.getSafeRegex().getRegex(), v);
            default -> false;
        };
    }
}
