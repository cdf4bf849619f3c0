package io.qmesh.proxy.xds;

import com.google.protobuf.Any;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.filter.HttpFilterConfig;
import io.qmesh.proxy.filter.HttpFilterFactory;
import io.qmesh.proxy.filter.HttpFilterRegistry;
import io.qmesh.proxy.route.HashPolicy;
import io.qmesh.proxy.route.MirrorPolicy;
import io.qmesh.proxy.route.HeaderMatcher;
import io.qmesh.proxy.route.HeaderMutation;
import io.qmesh.proxy.route.PathMatcher;
import io.qmesh.proxy.route.QueryParamMatcher;
import io.qmesh.proxy.route.RetryPolicy;
import io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig;
import io.qmesh.proxy.route.Route;
import io.qmesh.proxy.route.RouteAction;
import io.qmesh.proxy.route.RouteMatch;
import io.qmesh.proxy.route.RouteTable;
import io.qmesh.proxy.route.StringMatcher;
import io.qmesh.proxy.route.VirtualHost;
import io.qmesh.proxy.route.WeightedCluster;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** RouteConfiguration proto -> {@link RouteTable}. Pure; every rejection names the field. */
public final class RouteTranslator {

    /** Envoy's route timeout when the field is absent. */
    static final long DEFAULT_TIMEOUT_MILLIS = 15_000;

    private final HttpFilterRegistry filters;

    public RouteTranslator(HttpFilterRegistry filters) {
        this.filters = filters;
    }

    public RouteTable translate(RouteConfiguration rc, String field) throws InvalidConfigException {
        List<VirtualHost> vhosts = new ArrayList<>();
        for (int i = 0; i < rc.getVirtualHostsCount(); i++) {
            vhosts.add(virtualHost(rc.getVirtualHosts(i), field + ".virtual_hosts[" + i + "]"));
        }
        return new RouteTable(rc.getName(), vhosts,
                mutation(rc.getRequestHeadersToAddList(), rc.getRequestHeadersToRemoveList()),
                mutation(rc.getResponseHeadersToAddList(), rc.getResponseHeadersToRemoveList()));
    }

    private VirtualHost virtualHost(io.envoyproxy.envoy.config.route.v3.VirtualHost vh, String field)
            throws InvalidConfigException {
        if (vh.getDomainsCount() == 0) {
            throw new InvalidConfigException(field + ".domains: [] (expected: at least one domain)");
        }
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < vh.getRoutesCount(); i++) {
            routes.add(route(vh.getRoutes(i), field + ".routes[" + i + "]"));
        }
        RetryPolicy retry = vh.hasRetryPolicy() ? retryPolicy(vh.getRetryPolicy(), field + ".retry_policy") : null;
        return new VirtualHost(vh.getName(), List.copyOf(vh.getDomainsList()), routes,
                mutation(vh.getRequestHeadersToAddList(), vh.getRequestHeadersToRemoveList()),
                mutation(vh.getResponseHeadersToAddList(), vh.getResponseHeadersToRemoveList()), retry);
    }

    private Route route(io.envoyproxy.envoy.config.route.v3.Route r, String field) throws InvalidConfigException {
        RouteMatch match = match(r.getMatch(), field + ".match");
        RouteAction action = switch (r.getActionCase()) {
            case ROUTE -> forward(r.getRoute(), field + ".route");
            case REDIRECT -> redirect(r.getRedirect(), field + ".redirect");
            case DIRECT_RESPONSE -> new RouteAction.DirectResponse(r.getDirectResponse().getStatus(),
                    r.getDirectResponse().getBody().hasInlineString() ? r.getDirectResponse().getBody().getInlineString()
                            : r.getDirectResponse().getBody().getInlineBytes().toStringUtf8());
            default -> throw new InvalidConfigException(field + ": " + r.getActionCase()
                    + " (expected: route, redirect or direct_response)");
        };
        if (action instanceof RouteAction.DirectResponse d && (d.status() < 200 || d.status() > 599)) {
            throw new InvalidConfigException(field + ".direct_response.status: " + d.status() + " (expected: 200-599)");
        }
        return new Route(r.getName(), match, action,
                mutation(r.getRequestHeadersToAddList(), r.getRequestHeadersToRemoveList()),
                mutation(r.getResponseHeadersToAddList(), r.getResponseHeadersToRemoveList()),
                perFilter(r.getTypedPerFilterConfigMap(), field + ".typed_per_filter_config"));
    }

    private RouteMatch match(io.envoyproxy.envoy.config.route.v3.RouteMatch m, String field)
            throws InvalidConfigException {
        boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
        PathMatcher path = switch (m.getPathSpecifierCase()) {
            case PREFIX -> new PathMatcher(PathMatcher.Kind.PREFIX, m.getPrefix(), null, caseSensitive);
            case PATH -> new PathMatcher(PathMatcher.Kind.EXACT, m.getPath(), null, caseSensitive);
            case SAFE_REGEX -> new PathMatcher(PathMatcher.Kind.REGEX, null,
                    regex(m.getSafeRegex(), field + ".safe_regex.regex", !caseSensitive), caseSensitive);
            case PATH_SEPARATED_PREFIX -> new PathMatcher(PathMatcher.Kind.SEPARATED_PREFIX,
                    m.getPathSeparatedPrefix(), null, caseSensitive);
            default -> throw new InvalidConfigException(field + ": " + m.getPathSpecifierCase()
                    + " (expected: prefix, path, safe_regex or path_separated_prefix)");
        };
        List<HeaderMatcher> headers = new ArrayList<>();
        for (int i = 0; i < m.getHeadersCount(); i++) {
            headers.add(header(m.getHeaders(i), field + ".headers[" + i + "]"));
        }
        List<QueryParamMatcher> params = new ArrayList<>();
        for (int i = 0; i < m.getQueryParametersCount(); i++) {
            var q = m.getQueryParameters(i);
            String f = field + ".query_parameters[" + i + "]";
            if (q.getName().isEmpty()) {
                throw new InvalidConfigException(f + ".name: \"\" (expected: a parameter name)");
            }
            params.add(new QueryParamMatcher(q.getName(),
                    q.hasStringMatch() ? stringMatcher(q.getStringMatch(), f + ".string_match") : null));
        }
        return new RouteMatch(path, List.copyOf(headers), List.copyOf(params));
    }

    private HeaderMatcher header(io.envoyproxy.envoy.config.route.v3.HeaderMatcher h, String field)
            throws InvalidConfigException {
        if (h.getName().isEmpty()) {
            throw new InvalidConfigException(field + ".name: \"\" (expected: a header name)");
        }
        String name = h.getName().toLowerCase(java.util.Locale.ROOT);
        StringMatcher matcher;
        boolean present = true;
        switch (h.getHeaderMatchSpecifierCase()) {
            case EXACT_MATCH -> matcher = StringMatcher.exact(h.getExactMatch(), false);
            case PREFIX_MATCH -> matcher = new StringMatcher(StringMatcher.Kind.PREFIX, h.getPrefixMatch(), null, false);
            case SUFFIX_MATCH -> matcher = new StringMatcher(StringMatcher.Kind.SUFFIX, h.getSuffixMatch(), null, false);
            case CONTAINS_MATCH -> matcher = new StringMatcher(StringMatcher.Kind.CONTAINS, h.getContainsMatch(), null, false);
            case SAFE_REGEX_MATCH -> matcher = new StringMatcher(StringMatcher.Kind.REGEX, null,
                    regex(h.getSafeRegexMatch(), field + ".safe_regex_match.regex", false), false);
            case STRING_MATCH -> matcher = stringMatcher(h.getStringMatch(), field + ".string_match");
            case PRESENT_MATCH -> {
                matcher = null;
                present = h.getPresentMatch();
            }
            case HEADERMATCHSPECIFIER_NOT_SET -> matcher = null;
            default -> throw new InvalidConfigException(field + ": " + h.getHeaderMatchSpecifierCase()
                    + " (expected: exact, prefix, suffix, contains, safe_regex, string_match or present_match)");
        }
        return new HeaderMatcher(name, matcher, present, h.getInvertMatch(), h.getTreatMissingHeaderAsEmpty());
    }

    static StringMatcher stringMatcher(io.envoyproxy.envoy.type.matcher.v3.StringMatcher s, String field)
            throws InvalidConfigException {
        boolean ic = s.getIgnoreCase();
        return switch (s.getMatchPatternCase()) {
            case EXACT -> new StringMatcher(StringMatcher.Kind.EXACT, s.getExact(), null, ic);
            case PREFIX -> new StringMatcher(StringMatcher.Kind.PREFIX, s.getPrefix(), null, ic);
            case SUFFIX -> new StringMatcher(StringMatcher.Kind.SUFFIX, s.getSuffix(), null, ic);
            case CONTAINS -> new StringMatcher(StringMatcher.Kind.CONTAINS, s.getContains(), null, ic);
            case SAFE_REGEX -> new StringMatcher(StringMatcher.Kind.REGEX, null,
                    regex(s.getSafeRegex(), field + ".safe_regex.regex", ic), ic);
            default -> throw new InvalidConfigException(field + ": " + s.getMatchPatternCase()
                    + " (expected: exact, prefix, suffix, contains or safe_regex)");
        };
    }

    static Pattern regex(RegexMatcher r, String field, boolean ignoreCase) throws InvalidConfigException {
        try {
            return Pattern.compile(r.getRegex(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
        } catch (PatternSyntaxException e) {
            throw new InvalidConfigException(field + ": \"" + r.getRegex() + "\" (expected: RE2 syntax; "
                    + e.getDescription() + ")");
        }
    }

    private RouteAction.Forward forward(io.envoyproxy.envoy.config.route.v3.RouteAction a, String field)
            throws InvalidConfigException {
        List<WeightedCluster> clusters = new ArrayList<>();
        int total = 0;
        switch (a.getClusterSpecifierCase()) {
            case CLUSTER -> {
                if (a.getCluster().isEmpty()) {
                    throw new InvalidConfigException(field + ".cluster: \"\" (expected: a cluster name)");
                }
                clusters.add(new WeightedCluster(a.getCluster(), 1, HeaderMutation.NONE, HeaderMutation.NONE, Map.of()));
                total = 1;
            }
            case WEIGHTED_CLUSTERS -> {
                var wcs = a.getWeightedClusters();
                for (int i = 0; i < wcs.getClustersCount(); i++) {
                    var c = wcs.getClusters(i);
                    String f = field + ".weighted_clusters.clusters[" + i + "]";
                    int w = c.hasWeight() ? c.getWeight().getValue() : 0;
                    if (w < 0) {
                        throw new InvalidConfigException(f + ".weight: " + w + " (expected: >= 0)");
                    }
                    if (w == 0) {
                        continue;
                    }
                    total += w;
                    clusters.add(new WeightedCluster(c.getName(), w,
                            mutation(c.getRequestHeadersToAddList(), c.getRequestHeadersToRemoveList()),
                            mutation(c.getResponseHeadersToAddList(), c.getResponseHeadersToRemoveList()),
                            perFilter(c.getTypedPerFilterConfigMap(), f + ".typed_per_filter_config")));
                }
                if (total <= 0) {
                    throw new InvalidConfigException(field + ".weighted_clusters: total weight 0 (expected: > 0)");
                }
            }
            default -> throw new InvalidConfigException(field + ": " + a.getClusterSpecifierCase()
                    + " (expected: cluster or weighted_clusters)");
        }
        long timeout = a.hasTimeout() ? Durations.millis(a.getTimeout(), field + ".timeout") : DEFAULT_TIMEOUT_MILLIS;
        RetryPolicy retry = a.hasRetryPolicy() ? retryPolicy(a.getRetryPolicy(), field + ".retry_policy") : null;
        Pattern regexRewrite = null;
        String substitution = null;
        if (a.hasRegexRewrite()) {
            regexRewrite = regex(a.getRegexRewrite().getPattern(), field + ".regex_rewrite.pattern.regex", false);
            // RE2 substitutions use \1; re2j's replaceAll uses $1.
            substitution = a.getRegexRewrite().getSubstitution().replace("$", "\\$").replaceAll("\\\\(\\d)", "\\$$1");
        }
        List<HashPolicy> hashes = new ArrayList<>();
        for (int i = 0; i < a.getHashPolicyCount(); i++) {
            var h = a.getHashPolicy(i);
            hashes.add(switch (h.getPolicySpecifierCase()) {
                case HEADER -> new HashPolicy(HashPolicy.Kind.HEADER, h.getHeader().getHeaderName(), h.getTerminal());
                case COOKIE -> new HashPolicy(HashPolicy.Kind.COOKIE, h.getCookie().getName(), h.getTerminal());
                case CONNECTION_PROPERTIES -> new HashPolicy(HashPolicy.Kind.SOURCE_IP, "", h.getTerminal());
                default -> throw new InvalidConfigException(field + ".hash_policy[" + i + "]: "
                        + h.getPolicySpecifierCase() + " (expected: header, cookie or connection_properties)");
            });
        }
        List<MirrorPolicy> mirrors = new ArrayList<>();
        for (int i = 0; i < a.getRequestMirrorPoliciesCount(); i++) {
            var m = a.getRequestMirrorPolicies(i);
            String f = field + ".request_mirror_policies[" + i + "]";
            if (m.getCluster().isEmpty()) {
                throw new InvalidConfigException(f + ".cluster: \"\" (expected: a cluster name)");
            }
            int ppm = m.hasRuntimeFraction()
                    ? io.qmesh.proxy.filter.FaultFilterFactory.perMillion(m.getRuntimeFraction().getDefaultValue(), f + ".runtime_fraction.default_value")
                    : 1_000_000;
            mirrors.add(new MirrorPolicy(m.getCluster(), ppm));
        }
        return new RouteAction.Forward(List.copyOf(clusters), total, timeout, retry,
                a.getPrefixRewrite().isEmpty() ? null : a.getPrefixRewrite(), regexRewrite, substitution,
                a.getHostRewriteLiteral().isEmpty() ? null : a.getHostRewriteLiteral(), List.copyOf(hashes),
                List.copyOf(mirrors), upgrades(a), grpcTimeoutHeaderMax(a, field));
    }

    /**
     * The cap on a gRPC request's grpc-timeout: max_stream_duration.grpc_timeout_header_max, else the
     * deprecated max_grpc_timeout (Istio sends the latter when the route has no timeout); -1 when neither is set.
     */
    @SuppressWarnings("deprecation")
    private static long grpcTimeoutHeaderMax(io.envoyproxy.envoy.config.route.v3.RouteAction a, String field)
            throws InvalidConfigException {
        if (a.hasMaxStreamDuration() && a.getMaxStreamDuration().hasGrpcTimeoutHeaderMax()) {
            return Durations.millis(a.getMaxStreamDuration().getGrpcTimeoutHeaderMax(),
                    field + ".max_stream_duration.grpc_timeout_header_max");
        }
        return a.hasMaxGrpcTimeout() ? Durations.millis(a.getMaxGrpcTimeout(), field + ".max_grpc_timeout") : -1;
    }

    /** RouteAction.upgrade_configs: type (lower case) -> enabled (unset means true). */
    private static Map<String, Boolean> upgrades(io.envoyproxy.envoy.config.route.v3.RouteAction a) {
        Map<String, Boolean> out = new java.util.HashMap<>();
        for (var u : a.getUpgradeConfigsList()) {
            out.put(u.getUpgradeType().toLowerCase(java.util.Locale.ROOT), !u.hasEnabled() || u.getEnabled().getValue());
        }
        return Map.copyOf(out);
    }

    static RetryPolicy retryPolicy(io.envoyproxy.envoy.config.route.v3.RetryPolicy p, String field)
            throws InvalidConfigException {
        Set<String> on = new HashSet<>();
        for (String s : p.getRetryOn().split(",")) {
            String c = s.trim();
            if (c.isEmpty()) {
                continue;
            }
            if (!Set.of("5xx", "gateway-error", "connect-failure", "refused-stream", "reset", "retriable-status-codes",
                    "retriable-4xx", "cancelled", "unavailable", "deadline-exceeded", "resource-exhausted",
                    "internal", "envoy-ratelimited", "retriable-headers", "reset-before-request",
                    "http3-post-connect-failure").contains(c)) {
                throw new InvalidConfigException(field + ".retry_on: \"" + c
                        + "\" (expected: 5xx, gateway-error, connect-failure, refused-stream, reset, retriable-status-codes, ...)");
            }
            on.add(c);
        }
        int num = p.hasNumRetries() ? p.getNumRetries().getValue() : 1;
        long perTry = p.hasPerTryTimeout() ? Durations.millis(p.getPerTryTimeout(), field + ".per_try_timeout") : 0;
        long base = 25;
        long max = 250;
        if (p.hasRetryBackOff()) {
            base = Durations.millis(p.getRetryBackOff().getBaseInterval(), field + ".retry_back_off.base_interval");
            if (base <= 0) {
                throw new InvalidConfigException(field + ".retry_back_off.base_interval: " + base + "ms (expected: > 0)");
            }
            max = p.getRetryBackOff().hasMaxInterval()
                    ? Durations.millis(p.getRetryBackOff().getMaxInterval(), field + ".retry_back_off.max_interval")
                    : base * 10;
            if (max < base) {
                throw new InvalidConfigException(field + ".retry_back_off.max_interval: " + max
                        + "ms (expected: >= base_interval " + base + "ms)");
            }
        }
        boolean previousHosts = p.getRetryHostPredicateList().stream()
                .anyMatch(x -> x.getName().equals("envoy.retry_host_predicates.previous_hosts"));
        int attempts = (int) Math.max(1, p.getHostSelectionRetryMaxAttempts());
        return new RetryPolicy(Set.copyOf(on), num, perTry, base, max, Set.copyOf(p.getRetriableStatusCodesList()),
                previousHosts, previousHosts ? Math.max(attempts, 5) : attempts, retryPriority(p, field));
    }

    /** retry_priority envoy.retry_priorities.previous_priorities -> its update_frequency; 0 without one. */
    private static int retryPriority(io.envoyproxy.envoy.config.route.v3.RetryPolicy p, String field)
            throws InvalidConfigException {
        if (!p.hasRetryPriority()) {
            return 0;
        }
        var rp = p.getRetryPriority();
        String at = field + ".retry_priority";
        if (!rp.getName().equals("envoy.retry_priorities.previous_priorities")
                && !rp.getTypedConfig().is(PreviousPrioritiesConfig.class)) {
            throw new InvalidConfigException(at + ".name: \"" + rp.getName()
                    + "\" (expected: envoy.retry_priorities.previous_priorities)");
        }
        try {
            int frequency = rp.getTypedConfig().unpack(PreviousPrioritiesConfig.class).getUpdateFrequency();
            if (frequency <= 0) {
                throw new InvalidConfigException(at + ".typed_config.update_frequency: " + frequency + " (expected: > 0)");
            }
            return frequency;
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new InvalidConfigException(at + ".typed_config: " + rp.getTypedConfig().getTypeUrl()
                    + " (expected: type.googleapis.com/" + PreviousPrioritiesConfig.getDescriptor().getFullName() + ")");
        }
    }

    private RouteAction.Redirect redirect(io.envoyproxy.envoy.config.route.v3.RedirectAction r, String field)
            throws InvalidConfigException {
        String scheme = r.getHttpsRedirect() ? "https" : r.getSchemeRedirect().isEmpty() ? null : r.getSchemeRedirect();
        int status = switch (r.getResponseCode()) {
            case MOVED_PERMANENTLY -> 301;
            case FOUND -> 302;
            case SEE_OTHER -> 303;
            case TEMPORARY_REDIRECT -> 307;
            case PERMANENT_REDIRECT -> 308;
            default -> throw new InvalidConfigException(field + ".response_code: " + r.getResponseCode()
                    + " (expected: MOVED_PERMANENTLY, FOUND, SEE_OTHER, TEMPORARY_REDIRECT or PERMANENT_REDIRECT)");
        };
        return new RouteAction.Redirect(scheme, r.getHostRedirect().isEmpty() ? null : r.getHostRedirect(),
                r.getPortRedirect(), r.getPathRedirect().isEmpty() ? null : r.getPathRedirect(),
                r.getPrefixRewrite().isEmpty() ? null : r.getPrefixRewrite(), status, r.getStripQuery());
    }

    private Map<String, HttpFilterConfig> perFilter(Map<String, Any> configs, String field)
            throws InvalidConfigException {
        if (configs.isEmpty()) {
            return Map.of();
        }
        Map<String, HttpFilterConfig> out = new TreeMap<>();
        for (var e : new TreeMap<>(configs).entrySet()) {
            HttpFilterFactory factory = filters.find(e.getKey());
            if (factory == null) {
                // Envoy ignores per-route config for filters that are not in the chain; so do we.
                continue;
            }
            out.put(e.getKey(), factory.parsePerRoute(e.getValue(), field + "[" + e.getKey() + "]"));
        }
        return Map.copyOf(out);
    }

    static HeaderMutation mutation(List<HeaderValueOption> add, List<String> remove) {
        if (add.isEmpty() && remove.isEmpty()) {
            return HeaderMutation.NONE;
        }
        List<HeaderMutation.HeaderValue> values = new ArrayList<>();
        for (HeaderValueOption o : add) {
            boolean append = o.hasAppend() ? o.getAppend().getValue()
                    : o.getAppendAction() == HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD;
            values.add(new HeaderMutation.HeaderValue(o.getHeader().getKey(), o.getHeader().getValue(), append));
        }
        return new HeaderMutation(List.copyOf(values), List.copyOf(remove));
    }
}
