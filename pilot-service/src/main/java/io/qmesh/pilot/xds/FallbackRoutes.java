package io.qmesh.pilot.xds;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.Matcher;
import com.github.xds.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.custom_response.v3.CustomResponse;
import io.envoyproxy.envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy;
import io.envoyproxy.envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy;
import io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput;
import io.qmesh.pilot.model.Durations;
import io.qmesh.pilot.model.istio.FallbackPolicy;
import io.qmesh.pilot.model.istio.FallbackPolicy.Condition;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * RDS for FallbackPolicies, applied to the routes the other translators built: a route that sends to a
 * target's cluster is given what the policy needs there.
 * <ul>
 * <li>Destination fallback: the cluster becomes the target's aggregate cluster, and the retry policy gets
 *     Envoy's {@code envoy.retry_priorities.previous_priorities}, with {@code update_frequency} = the
 *     route's own attempts, so the route's retries still go to the target and one more attempt goes to the
 *     next priority, the fallback; {@code retry_on} gains the policy's conditions (connect-failure, 5xx,
 *     reset for a per-try timeout) and {@code per_try_timeout} the policy's timeout.</li>
 * <li>Destination fallback with Overflow: Envoy never retries a request its circuit breaker refused, so
 *     {@code envoy.filters.http.custom_response} (on the route, or on the target's weighted cluster) matches
 *     the overflow reply to a GET (503 and {@code x-envoy-overloaded: true}) with a {@code RedirectPolicy} that
 *     re-routes the request to an internal virtual host of the same route configuration, whose one route
 *     goes to the fallback cluster.</li>
 * <li>Response fallback: {@code typed_per_filter_config} of {@code envoy.filters.http.custom_response}
 *     with a matcher over the final response (after retries) selecting a {@code LocalResponsePolicy}.</li>
 * </ul>
 */
final class FallbackRoutes {
    static final String CUSTOM_RESPONSE = "envoy.filters.http.custom_response";
    static final String PREVIOUS_PRIORITIES = "envoy.retry_priorities.previous_priorities";

    private FallbackRoutes() {
    }

    /**
     * @param sidecar whether {@code configs} are a sidecar's: only sidecars get overflow redirects, since the
     *                internal virtual host answers any request naming it in Host, which on a sidecar only its
     *                own workload can send but on a gateway would let outside clients reach the fallback
     *                destination past the Gateway's routes
     */
    static List<RouteConfiguration> apply(FallbackPlan plan, List<RouteConfiguration> configs, boolean sidecar) {
        if (plan.byPrimaryCluster().isEmpty()) {
            return configs;
        }
        List<RouteConfiguration> out = new ArrayList<>();
        for (RouteConfiguration rc : configs) {
            RouteConfiguration.Builder b = rc.toBuilder();
            // The overflow redirects this configuration's routes make, by fallback cluster name.
            Map<String, FallbackPlan.Target> redirects = new TreeMap<>();
            for (VirtualHost.Builder vh : b.getVirtualHostsBuilderList()) {
                for (Route.Builder r : vh.getRoutesBuilderList()) {
                    if (r.hasRoute()) {
                        route(plan, r, sidecar ? redirects : null);
                    }
                }
            }
            redirects.values().forEach(t -> b.addVirtualHosts(fallbackVirtualHost(t)));
            out.add(b.build());
        }
        return out;
    }

    /** @param redirects where overflow redirects are collected, or null for none (a gateway) */
    private static void route(FallbackPlan plan, Route.Builder r, Map<String, FallbackPlan.Target> redirects) {
        RouteAction.Builder a = r.getRouteBuilder();
        FallbackPlan.Target first = null;
        if (a.hasCluster()) {
            FallbackPlan.Target t = plan.byPrimaryCluster().get(a.getCluster());
            if (t != null && t.fallback() != null) {
                a.setCluster(t.aggregateName());
            }
            com.google.protobuf.Any redirect = redirectFor(t, redirects);
            if (redirect != null) {
                r.putTypedPerFilterConfig(CUSTOM_RESPONSE, redirect);
            }
            first = t;
        } else if (a.hasWeightedClusters()) {
            for (WeightedCluster.ClusterWeight.Builder w : a.getWeightedClustersBuilder().getClustersBuilderList()) {
                FallbackPlan.Target t = plan.byPrimaryCluster().get(w.getName());
                if (t != null && t.fallback() != null) {
                    w.setName(t.aggregateName());
                }
                com.google.protobuf.Any redirect = redirectFor(t, redirects);
                if (redirect != null) {
                    // Only the target's share: Envoy's custom_response reads the chosen cluster's config first.
                    w.putTypedPerFilterConfig(CUSTOM_RESPONSE, redirect);
                }
                first = first == null ? t : first;
            }
        }
        if (first == null) {
            return;
        }
        if (first.fallback() != null) {
            a.setRetryPolicy(retryPolicy(first.policy(), a.hasRetryPolicy() ? a.getRetryPolicy() : null));
        } else {
            r.putTypedPerFilterConfig(CUSTOM_RESPONSE, Protos.any(customResponse(first)));
        }
    }

    /** The custom_response redirecting {@code t}'s overflow (recorded in {@code redirects}), or null if it takes none. */
    private static com.google.protobuf.Any redirectFor(FallbackPlan.Target t, Map<String, FallbackPlan.Target> redirects) {
        if (t == null || redirects == null || !t.redirectsOverflow()) {
            return null;
        }
        redirects.put(t.fallbackName(), t);
        return Protos.any(overflowRedirect(t));
    }

    /**
     * The route's retry policy extended for an aggregate cluster. Attempts 1..n (n = 1 + the route's
     * retries) see the unmodified priority load, so they stay on the target while it has healthy
     * endpoints; attempt n+1 excludes the priorities tried, so it goes to the fallback.
     */
    static RetryPolicy retryPolicy(FallbackPolicy policy, RetryPolicy route) {
        // Envoy: a retry policy without num_retries retries once; no retry policy, no retries.
        int routeRetries = route == null ? 0 : route.hasNumRetries() ? route.getNumRetries().getValue() : 1;
        RetryPolicy.Builder b = route == null ? RetryPolicy.newBuilder() : route.toBuilder();
        Set<String> retryOn = new LinkedHashSet<>();
        if (route != null && !route.getRetryOn().isEmpty()) {
            retryOn.addAll(List.of(route.getRetryOn().split(",")));
        }
        Set<Condition> conditions = policy.effectiveConditions();
        if (conditions.contains(Condition.CONNECT_FAILURE)) {
            retryOn.add("connect-failure");
        }
        if (conditions.contains(Condition.SERVER_ERROR)) {
            retryOn.add("5xx");
        }
        if (conditions.contains(Condition.TIMEOUT)) {
            retryOn.add("reset"); // Envoy: "reset" covers a per-try (read) timeout
            b.setPerTryTimeout(Protos.duration(Durations.parse(policy.spec().timeout())));
        }
        return b.setRetryOn(String.join(",", retryOn))
                .setNumRetries(Protos.u32(routeRetries + 1L))
                .setRetryPriority(RetryPolicy.RetryPriority.newBuilder()
                        .setName(PREVIOUS_PRIORITIES)
                        .setTypedConfig(Protos.any(PreviousPrioritiesConfig.newBuilder()
                                .setUpdateFrequency(routeRetries + 1).build())))
                .build();
    }

    /**
     * Envoy's overflow reply, a local 503 with {@code x-envoy-overloaded: true} (no upstream answer carries
     * it unless another proxy overflowed), to a GET, redirected to the fallback's internal virtual host: only
     * the authority changes, so the request keeps its path, query and headers. Only GETs: Envoy's
     * RedirectPolicy re-sends any request as a GET without its body, so a redirected POST would reach the
     * fallback as a GET, its body lost, and its client would take the fallback's answer for success. Other
     * methods keep the overflow 503, which means the same on every data plane.
     */
    static CustomResponse overflowRedirect(FallbackPlan.Target t) {
        RedirectPolicy redirect = RedirectPolicy.newBuilder().setRedirectAction(RedirectAction.newBuilder()
                .setHostRedirect(t.fallbackHost()).setPortRedirect(t.fallbackPort())).build();
        Matcher.MatcherList.Predicate overflow = Matcher.MatcherList.Predicate.newBuilder().setAndMatcher(
                Matcher.MatcherList.Predicate.PredicateList.newBuilder()
                        .addPredicate(predicate("503_response", HttpResponseStatusCodeMatchInput.getDefaultInstance(), "503"))
                        .addPredicate(overloaded())
                        .addPredicate(predicate("get_request", HttpRequestHeaderMatchInput.newBuilder().setHeaderName(":method").build(),
                                "GET"))).build();
        return customResponse(overflow, "fallback:" + t.policyRef(), Protos.any(redirect));
    }

    /** The internal virtual host an overflow redirect lands on: exactly its authority, one route to the fallback. */
    static VirtualHost fallbackVirtualHost(FallbackPlan.Target t) {
        return VirtualHost.newBuilder()
                .setName(t.fallbackName())
                .addDomains(t.fallbackHost() + ":" + t.fallbackPort())
                .addRoutes(Route.newBuilder()
                        .setName(t.fallbackName())
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setCluster(t.fallbackName())
                                .setTimeout(com.google.protobuf.Duration.getDefaultInstance())))
                .build();
    }

    /**
     * One matcher (the conditions ORed) selecting a local response. Envoy's custom_response sees the final
     * response, the router's local replies included, but not its response flags: no healthy upstream and
     * connect failure are recognised as a 503, overflow by {@code x-envoy-overloaded: true}, a timeout as a 504.
     */
    static CustomResponse customResponse(FallbackPlan.Target t) {
        FallbackPolicy.Response resp = t.policy().spec().fallback().response();
        Set<Condition> conditions = t.policy().effectiveConditions();
        List<Matcher.MatcherList.Predicate> predicates = new ArrayList<>();
        if (conditions.contains(Condition.SERVER_ERROR)) {
            predicates.add(predicate("5xx_response", HttpResponseStatusCodeClassMatchInput.getDefaultInstance(), "5xx"));
        } else {
            if (conditions.contains(Condition.NO_HEALTHY_UPSTREAM) || conditions.contains(Condition.CONNECT_FAILURE)) {
                predicates.add(predicate("503_response", HttpResponseStatusCodeMatchInput.getDefaultInstance(), "503"));
            }
            if (conditions.contains(Condition.TIMEOUT)) {
                predicates.add(predicate("504_response", HttpResponseStatusCodeMatchInput.getDefaultInstance(), "504"));
            }
        }
        if (conditions.contains(Condition.OVERFLOW)) {
            predicates.add(overloaded());
        }
        Matcher.MatcherList.Predicate predicate = predicates.size() == 1 ? predicates.get(0)
                : Matcher.MatcherList.Predicate.newBuilder().setOrMatcher(
                        Matcher.MatcherList.Predicate.PredicateList.newBuilder().addAllPredicate(predicates)).build();
        LocalResponsePolicy.Builder local = LocalResponsePolicy.newBuilder()
                .setStatusCode(Protos.u32(resp.status()));
        if (resp.body() != null) {
            local.setBody(DataSource.newBuilder().setInlineString(resp.body()));
        }
        new TreeMap<>(resp.headers()).forEach((k, v) -> local.addResponseHeadersToAdd(header(k, v)));
        local.addResponseHeadersToAdd(header(FallbackPlan.HEADER, t.policyRef()));
        return customResponse(predicate, "fallback:" + t.policyRef(), Protos.any(local.build()));
    }

    private static CustomResponse customResponse(Matcher.MatcherList.Predicate predicate, String name,
                                                 com.google.protobuf.Any action) {
        return CustomResponse.newBuilder().setCustomResponseMatcher(Matcher.newBuilder()
                .setMatcherList(Matcher.MatcherList.newBuilder().addMatchers(Matcher.MatcherList.FieldMatcher.newBuilder()
                        .setPredicate(predicate)
                        .setOnMatch(Matcher.OnMatch.newBuilder().setAction(TypedExtensionConfig.newBuilder()
                                .setName(name).setTypedConfig(action)))))).build();
    }

    /** Envoy marks its circuit-breaker overflow reply with {@code x-envoy-overloaded: true}. */
    private static Matcher.MatcherList.Predicate overloaded() {
        return predicate("overloaded", HttpResponseHeaderMatchInput.newBuilder().setHeaderName("x-envoy-overloaded").build(),
                "true");
    }

    private static Matcher.MatcherList.Predicate predicate(String name, com.google.protobuf.Message input, String exact) {
        return Matcher.MatcherList.Predicate.newBuilder().setSinglePredicate(
                Matcher.MatcherList.Predicate.SinglePredicate.newBuilder()
                        .setInput(TypedExtensionConfig.newBuilder().setName(name).setTypedConfig(Protos.any(input)))
                        .setValueMatch(StringMatcher.newBuilder().setExact(exact))).build();
    }

    private static HeaderValueOption header(String key, String value) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(key).setValue(value))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
                .build();
    }
}
