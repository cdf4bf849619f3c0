package io.qmesh.cli.commands;

import io.qmesh.cli.CliException;

import java.util.Locale;
import java.util.Map;

/** Istio kinds as the API paths name them (plural, lower case), with kubectl's short names. */
final class Kinds {
    static final Map<String, String> PLURALS = Map.ofEntries(
            Map.entry("virtualservice", "virtualservices"), Map.entry("virtualservices", "virtualservices"),
            Map.entry("vs", "virtualservices"),
            Map.entry("destinationrule", "destinationrules"), Map.entry("destinationrules", "destinationrules"),
            Map.entry("dr", "destinationrules"),
            Map.entry("gateway", "gateways"), Map.entry("gateways", "gateways"), Map.entry("gw", "gateways"),
            Map.entry("ratelimitpolicy", "ratelimitpolicies"), Map.entry("ratelimitpolicies", "ratelimitpolicies"),
            Map.entry("fallbackpolicy", "fallbackpolicies"), Map.entry("fallbackpolicies", "fallbackpolicies"));

    private Kinds() {
    }

    /** {@code VirtualService}, {@code vs}, {@code virtualservices} -> {@code virtualservices}. */
    static String plural(String kind) {
        String p = PLURALS.get(kind.toLowerCase(Locale.ROOT));
        if (p == null) {
            throw new CliException("unknown kind \"" + kind + "\" (expected: virtualservices, destinationrules, gateways, "
                    + "ratelimitpolicies or fallbackpolicies)");
        }
        return p;
    }

    /** kubectl's object reference: {@code virtualservice.networking.istio.io/reviews}, {@code fallbackpolicy.policy.qmesh.io/x}. */
    static String ref(String kind, String name) {
        String plural = PLURALS.getOrDefault(kind.toLowerCase(Locale.ROOT), "");
        String group = io.qmesh.cli.client.PilotClient.groupVersion(plural);
        return kind.toLowerCase(Locale.ROOT) + "." + group.substring(0, group.indexOf('/')) + "/" + name;
    }
}
