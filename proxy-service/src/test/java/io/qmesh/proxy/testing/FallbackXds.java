package io.qmesh.proxy.testing;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.Matcher;
import com.github.xds.type.matcher.v3.StringMatcher;
import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig;
import io.envoyproxy.envoy.extensions.filters.http.custom_response.v3.CustomResponse;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
import io.envoyproxy.envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy;
import io.envoyproxy.envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy;
import io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput;
import io.qmesh.proxy.http.HttpLimits;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.stats.AccessLogEntry;
import io.qmesh.proxy.stats.ResponseFlag;
import io.qmesh.proxy.xds.TypeUrls;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

/**
 * The xDS pilot sends for a FallbackPolicy (see pilot-service's FallbackClusters and FallbackRoutes), built by
 * hand for proxy tests and benchmarks: the fallback cluster marking what it serves, the aggregate cluster, the
 * route with the previous-priorities retry priority, a route's custom_response local response, and the
 * custom_response redirect that carries an overflowed request to the fallback's internal virtual host.
 */
public final class FallbackXds {

    private FallbackXds() {
    }

    public static com.google.protobuf.Duration duration(long millis) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000).build();
    }

    /** The fallback destination's endpoints under the policy's name, marking what it serves. */
    public static Cluster fallbackCluster(String name, String edsService, String policy) {
        HeaderMutation mark = HeaderMutation.newBuilder().setAppend(HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey("x-qmesh-fallback").setValue(policy))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)).build();
        Cluster c = Mesh.edsCluster(name, Cluster.LbPolicy.ROUND_ROBIN);
        return c.toBuilder()
                .setEdsClusterConfig(c.getEdsClusterConfig().toBuilder().setServiceName(edsService))
                .putTypedExtensionProtocolOptions("envoy.extensions.upstreams.http.v3.HttpProtocolOptions", Any.pack(
                        HttpProtocolOptions.newBuilder()
                                .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                                        .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()))
                                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.header_mutation")
                                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
                                                .newBuilder().setMutations(Mutations.newBuilder().addResponseMutations(mark)).build())))
                                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.upstream_codec")
                                        .setTypedConfig(Any.pack(UpstreamCodec.getDefaultInstance())))
                                .build()))
                .build();
    }

    /** Pilot's aggregate cluster: the primary first, the fallback second (Envoy's priority order). */
    public static Cluster aggregate(String name, String primary, String fallback) {
        return Cluster.newBuilder()
                .setName(name)
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                .setClusterType(Cluster.CustomClusterType.newBuilder().setName("envoy.clusters.aggregate")
                        .setTypedConfig(Any.pack(ClusterConfig.newBuilder().addClusters(primary).addClusters(fallback).build())))
                .build();
    }

    /** The retry policy pilot puts on every route a VirtualService does not configure: Istio's 2 attempts. */
    public static RetryPolicy istioDefaultRetries() {
        return RetryPolicy.newBuilder()
                .setRetryOn("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes")
                .setNumRetries(UInt32Value.of(2))
                .addRetriableStatusCodes(503)
                .addRetryHostPredicate(previousHosts())
                .setHostSelectionRetryMaxAttempts(5)
                .build();
    }

    private static RetryPolicy.RetryHostPredicate previousHosts() {
        return RetryPolicy.RetryHostPredicate.newBuilder()
                .setName("envoy.retry_host_predicates.previous_hosts")
                .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDefaultInstance()))
                .build();
    }

    /** Pilot's route for a destination fallback: the route's retries on the primary, then one on the fallback. */
    public static Route aggregateRoute(String prefix, String aggregate, int routeRetries, long perTryMillis) {
        RetryPolicy.Builder retry = RetryPolicy.newBuilder()
                .setRetryOn("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes,5xx,reset")
                .setNumRetries(UInt32Value.of(routeRetries + 1))
                .addRetriableStatusCodes(503)
                .setRetryPriority(RetryPolicy.RetryPriority.newBuilder().setName("envoy.retry_priorities.previous_priorities")
                        .setTypedConfig(Any.pack(PreviousPrioritiesConfig.newBuilder().setUpdateFrequency(routeRetries + 1).build())))
                .addRetryHostPredicate(previousHosts())
                .setHostSelectionRetryMaxAttempts(5);
        if (perTryMillis > 0) {
            retry.setPerTryTimeout(duration(perTryMillis));
        }
        return Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix(prefix))
                .setRoute(RouteAction.newBuilder().setCluster(aggregate).setTimeout(duration(0)).setRetryPolicy(retry))
                .build();
    }

    /** Pilot's route for a response fallback: any 5xx or an overload becomes a degraded 200. */
    public static Route staticRoute(String prefix, String cluster, String policy) {
        LocalResponsePolicy degraded = LocalResponsePolicy.newBuilder()
                .setStatusCode(UInt32Value.of(200))
                .setBody(DataSource.newBuilder().setInlineString("{\"degraded\": true}"))
                .addResponseHeadersToAdd(HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey("content-type").setValue("application/json"))
                        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                .addResponseHeadersToAdd(HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey("x-qmesh-fallback").setValue(policy))
                        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                .build();
        Matcher.MatcherList.Predicate predicate = Matcher.MatcherList.Predicate.newBuilder().setOrMatcher(
                Matcher.MatcherList.Predicate.PredicateList.newBuilder()
                        .addPredicate(single(HttpResponseStatusCodeClassMatchInput.getDefaultInstance(), "5xx"))
                        .addPredicate(single(HttpResponseHeaderMatchInput.newBuilder().setHeaderName("x-envoy-overloaded").build(), "true"))
                        .addPredicate(single(HttpResponseStatusCodeMatchInput.getDefaultInstance(), "504"))).build();
        CustomResponse cr = CustomResponse.newBuilder().setCustomResponseMatcher(Matcher.newBuilder().setMatcherList(
                Matcher.MatcherList.newBuilder().addMatchers(Matcher.MatcherList.FieldMatcher.newBuilder()
                        .setPredicate(predicate)
                        .setOnMatch(Matcher.OnMatch.newBuilder().setAction(TypedExtensionConfig.newBuilder()
                                .setName("fallback:" + policy).setTypedConfig(Any.pack(degraded))))))).build();
        return Mesh.prefixRoute(prefix, cluster).toBuilder().putTypedPerFilterConfig("envoy.filters.http.custom_response", Any.pack(cr)).build();
    }

    /**
     * Pilot's custom_response for a destination fallback on overflow: Envoy's overflow reply (503 with
     * {@code x-envoy-overloaded: true}) to a GET is redirected, path and query kept, to {@code fallbackDomain}.
     */
    public static CustomResponse overflowRedirect(String policy, RedirectPolicy redirect) {
        Matcher.MatcherList.Predicate overflow = Matcher.MatcherList.Predicate.newBuilder().setAndMatcher(
                Matcher.MatcherList.Predicate.PredicateList.newBuilder()
                        .addPredicate(single(HttpResponseStatusCodeMatchInput.getDefaultInstance(), "503"))
                        .addPredicate(single(HttpResponseHeaderMatchInput.newBuilder().setHeaderName("x-envoy-overloaded").build(), "true"))
                        .addPredicate(single(io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput.newBuilder()
                                .setHeaderName(":method").build(), "GET")))
                .build();
        return CustomResponse.newBuilder().setCustomResponseMatcher(Matcher.newBuilder().setMatcherList(
                Matcher.MatcherList.newBuilder().addMatchers(Matcher.MatcherList.FieldMatcher.newBuilder()
                        .setPredicate(overflow)
                        .setOnMatch(Matcher.OnMatch.newBuilder().setAction(TypedExtensionConfig.newBuilder()
                                .setName("fallback:" + policy).setTypedConfig(Any.pack(redirect))))))).build();
    }

    /** The RedirectPolicy pilot sends: only the authority changes, to the fallback's internal virtual host. */
    public static RedirectPolicy toHost(String fallbackHost, int port) {
        return RedirectPolicy.newBuilder()
                .setRedirectAction(RedirectAction.newBuilder().setHostRedirect(fallbackHost).setPortRedirect(port)).build();
    }

    /** {@code route} with custom_response redirecting its overflow replies. */
    public static Route withOverflowRedirect(Route route, String policy, RedirectPolicy redirect) {
        return route.toBuilder().putTypedPerFilterConfig("envoy.filters.http.custom_response",
                Any.pack(overflowRedirect(policy, redirect))).build();
    }

    /** The internal virtual host a redirected request lands on ({@code host:port} exactly): one route to the fallback cluster. */
    public static VirtualHost fallbackVirtualHost(String domain, String fallbackCluster) {
        return VirtualHost.newBuilder().setName(fallbackCluster).addDomains(domain)
                .addRoutes(Mesh.prefixRoute("/", fallbackCluster)).build();
    }

    /** A single predicate: {@code input}'s value equals {@code exact}. */
    public static Matcher.MatcherList.Predicate single(Message input, String exact) {
        return Matcher.MatcherList.Predicate.newBuilder().setSinglePredicate(Matcher.MatcherList.Predicate.SinglePredicate.newBuilder()
                .setInput(TypedExtensionConfig.newBuilder().setName("input").setTypedConfig(Any.pack(input)))
                .setValueMatch(StringMatcher.newBuilder().setExact(exact))).build();
    }
}
