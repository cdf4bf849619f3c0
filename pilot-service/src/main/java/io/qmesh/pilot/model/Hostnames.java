package io.qmesh.pilot.model;

/** Istio's host name rules: short names resolve in the namespace of the rule that uses them. */
public final class Hostnames {
    public static final String DOMAIN_SUFFIX = "svc.cluster.local";

    private Hostnames() {
    }

    /** {@code reviews} in {@code default} -> {@code reviews.default.svc.cluster.local}; names with a dot or {@code *} stay. */
    public static String resolve(String host, String namespace) {
        if (host == null || host.isEmpty() || host.contains(".") || host.contains("*")) {
            return host;
        }
        return fqdn(host, namespace);
    }

    public static String fqdn(String name, String namespace) {
        return name + "." + namespace + "." + DOMAIN_SUFFIX;
    }

    /** Istio host matching for rule hosts: exact, {@code *}, or {@code *.suffix}. */
    public static boolean matches(String pattern, String hostname) {
        if (pattern.equals("*") || pattern.equals(hostname)) {
            return true;
        }
        if (pattern.startsWith("*.")) {
            return hostname.endsWith(pattern.substring(1));
        }
        return false;
    }
}
