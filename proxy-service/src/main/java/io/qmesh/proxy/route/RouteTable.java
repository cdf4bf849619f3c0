package io.qmesh.proxy.route;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A translated RouteConfiguration. Virtual host selection follows Envoy: exact domains, then the
 * longest suffix wildcard ({@code *.foo.com}), then the longest prefix wildcard ({@code foo.*}),
 * then {@code *}; domains are case-insensitive. The authority is tried as sent and then with its
 * port stripped, so {@code reviews:9080} finds a vhost that only lists {@code reviews}.
 */
public final class RouteTable {

    private final String name;
    private final List<VirtualHost> virtualHosts;
    private final HeaderMutation requestHeaders;
    private final HeaderMutation responseHeaders;
    private final Map<String, VirtualHost> exact = new HashMap<>();
    private final List<Map.Entry<String, VirtualHost>> suffixes = new ArrayList<>();
    private final List<Map.Entry<String, VirtualHost>> prefixes = new ArrayList<>();
    private final VirtualHost catchAll;

    public RouteTable(String name, List<VirtualHost> virtualHosts, HeaderMutation requestHeaders,
                      HeaderMutation responseHeaders) {
        this.name = name;
        this.virtualHosts = List.copyOf(virtualHosts);
        this.requestHeaders = requestHeaders;
        this.responseHeaders = responseHeaders;
        VirtualHost star = null;
        for (VirtualHost vh : virtualHosts) {
            for (String d : vh.domains()) {
                String domain = d.toLowerCase(Locale.ROOT);
                if (domain.equals("*")) {
                    star = star == null ? vh : star;
                } else if (domain.startsWith("*")) {
                    suffixes.add(Map.entry(domain.substring(1), vh));
                } else if (domain.endsWith("*")) {
                    prefixes.add(Map.entry(domain.substring(0, domain.length() - 1), vh));
                } else {
                    exact.putIfAbsent(domain, vh);
                }
            }
        }
        Comparator<Map.Entry<String, VirtualHost>> longestFirst =
                Comparator.comparingInt((Map.Entry<String, VirtualHost> e) -> e.getKey().length()).reversed();
        suffixes.sort(longestFirst);
        prefixes.sort(longestFirst);
        this.catchAll = star;
    }

    public String name() {
        return name;
    }

    public List<VirtualHost> virtualHosts() {
        return virtualHosts;
    }

    public HeaderMutation requestHeaders() {
        return requestHeaders;
    }

    public HeaderMutation responseHeaders() {
        return responseHeaders;
    }

    /** The virtual host for an authority (Host header), or null. */
    public VirtualHost selectVirtualHost(String authority) {
        if (authority == null) {
            return catchAll;
        }
        String host = authority.toLowerCase(Locale.ROOT);
        VirtualHost vh = selectNoDefault(host);
        if (vh == null) {
            String stripped = stripPort(host);
            if (!stripped.equals(host)) {
                vh = selectNoDefault(stripped);
            }
        }
        return vh != null ? vh : catchAll;
    }

    private VirtualHost selectNoDefault(String host) {
        VirtualHost vh = exact.get(host);
        if (vh != null) {
            return vh;
        }
        for (var e : suffixes) {
            // Envoy requires the wildcard to cover at least one character.
            if (host.length() > e.getKey().length() && host.endsWith(e.getKey())) {
                return e.getValue();
            }
        }
        for (var e : prefixes) {
            if (host.length() > e.getKey().length() && host.startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return null;
    }

    static String stripPort(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end > 0 ? host.substring(0, end + 1) : host;
        }
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(':') == colon) {
            for (int i = colon + 1; i < host.length(); i++) {
                if (!Character.isDigit(host.charAt(i))) {
                    return host;
                }
            }
            return host.substring(0, colon);
        }
        return host;
    }

    /** The matching virtual host and route, or null when nothing matches (Envoy flag NR). */
    public Route route(String authority, RequestView request) {
        VirtualHost vh = selectVirtualHost(authority);
        return vh == null ? null : vh.match(request);
    }
}
