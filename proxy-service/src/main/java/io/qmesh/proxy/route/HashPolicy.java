package io.qmesh.proxy.route;

/** One of a route's hash_policy entries (consistent hashing input): a header, a cookie, or the source IP. */
public record HashPolicy(Kind kind, String name, boolean terminal) {
    public enum Kind { HEADER, COOKIE, SOURCE_IP }
}
