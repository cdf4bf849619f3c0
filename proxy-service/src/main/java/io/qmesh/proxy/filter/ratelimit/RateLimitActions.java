package io.qmesh.proxy.filter.ratelimit;

import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.qmesh.proxy.config.InvalidConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code rate_limits} (of a route, a virtual host or the local rate limit filter) -> {@link RateLimits}. */
public final class RateLimitActions {

    private RateLimitActions() {
    }

    public static RateLimits translate(List<RateLimit> rateLimits, String field) throws InvalidConfigException {
        if (rateLimits.isEmpty()) {
            return RateLimits.NONE;
        }
        List<List<RateLimits.Action>> entries = new ArrayList<>();
        for (int i = 0; i < rateLimits.size(); i++) {
            RateLimit rl = rateLimits.get(i);
            String f = field + "[" + i + "]";
            if (rl.hasStage() && rl.getStage().getValue() != 0) {
                continue; // the local rate limit filter runs at stage 0
            }
            if (rl.getActionsCount() == 0) {
                throw new InvalidConfigException(f + ".actions: [] (expected: at least one action)");
            }
            List<RateLimits.Action> actions = new ArrayList<>();
            for (int a = 0; a < rl.getActionsCount(); a++) {
                actions.add(action(rl.getActions(a), f + ".actions[" + a + "]"));
            }
            entries.add(List.copyOf(actions));
        }
        return new RateLimits(List.copyOf(entries));
    }

    private static RateLimits.Action action(RateLimit.Action a, String field) throws InvalidConfigException {
        switch (a.getActionSpecifierCase()) {
            case REQUEST_HEADERS -> {
                var h = a.getRequestHeaders();
                if (h.getHeaderName().isEmpty() || h.getDescriptorKey().isEmpty()) {
                    throw new InvalidConfigException(field + ".request_headers: header_name \"" + h.getHeaderName()
                            + "\", descriptor_key \"" + h.getDescriptorKey() + "\" (expected: both set)");
                }
                return new RateLimits.RequestHeader(h.getHeaderName().toLowerCase(Locale.ROOT), h.getDescriptorKey(),
                        h.getSkipIfAbsent());
            }
            case GENERIC_KEY -> {
                var g = a.getGenericKey();
                if (g.getDescriptorValue().isEmpty()) {
                    throw new InvalidConfigException(field + ".generic_key.descriptor_value: \"\" (expected: a value)");
                }
                return new RateLimits.GenericKey(g.getDescriptorKey().isEmpty() ? "generic_key" : g.getDescriptorKey(),
                        g.getDescriptorValue());
            }
            default -> throw new InvalidConfigException(field + ": " + a.getActionSpecifierCase()
                    + " (expected: request_headers or generic_key; other rate limit actions are not supported)");
        }
    }
}
