package io.qmesh.pilot.model.istio;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The rule kinds pilot stores, with their Kubernetes API coordinates. Adding a kind (issue 5 adds
 * {@code policy.qmesh.io/v1alpha1} RateLimitPolicy and FallbackPolicy) means adding a constant here,
 * a record implementing {@link IstioConfig} and a validator; the REST paths follow from this table.
 */
public enum ConfigKind {
    VIRTUAL_SERVICE("networking.istio.io", "VirtualService", "virtualservices", List.of("v1", "v1beta1", "v1alpha3")),
    DESTINATION_RULE("networking.istio.io", "DestinationRule", "destinationrules", List.of("v1", "v1beta1", "v1alpha3")),
    GATEWAY("networking.istio.io", "Gateway", "gateways", List.of("v1", "v1beta1", "v1alpha3")),
    SIDECAR("networking.istio.io", "Sidecar", "sidecars", List.of("v1", "v1beta1", "v1alpha3")),
    FALLBACK_POLICY("policy.qmesh.io", "FallbackPolicy", "fallbackpolicies", List.of("v1alpha1"));

    private final String group;
    private final String kind;
    private final String plural;
    private final List<String> versions;

    ConfigKind(String group, String kind, String plural, List<String> versions) {
        this.group = group;
        this.kind = kind;
        this.plural = plural;
        this.versions = versions;
    }

    public String group() {
        return group;
    }

    public String kind() {
        return kind;
    }

    public String plural() {
        return plural;
    }

    /** Accepted API versions; the first is the one pilot writes back. */
    public List<String> versions() {
        return versions;
    }

    public String apiVersion() {
        return group + "/" + versions.get(0);
    }

    public boolean accepts(String apiVersion) {
        return versions.stream().anyMatch(v -> (group + "/" + v).equals(apiVersion));
    }

    public static Optional<ConfigKind> byKind(String kind) {
        return Arrays.stream(values()).filter(k -> k.kind.equals(kind)).findFirst();
    }

    public static Optional<ConfigKind> byPath(String group, String version, String plural) {
        return Arrays.stream(values())
                .filter(k -> k.group.equals(group) && k.plural.equals(plural) && k.versions.contains(version))
                .findFirst();
    }
}
