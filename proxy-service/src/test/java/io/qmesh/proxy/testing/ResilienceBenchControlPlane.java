package io.qmesh.proxy.testing;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.custom_response.v3.CustomResponse;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import io.qmesh.proxy.xds.TypeUrls;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The control plane of {@code bench/resilience-overhead.sh}: two proxies in front of the same origin,
 * both with the filter chain pilot always sends (fault, router), one listener, one route with pilot's
 * retry policy (Istio's default 2 attempts), one EDS cluster. {@code <plainPort>:<upstreamPort>} has nothing more; {@code <resilientPort>:<upstreamPort>}
 * has every resilience feature configured the way pilot sends it but never triggering: circuit breakers with high limits, outlier detection (5 consecutive 5xx), and
 * the local rate limit filter with a virtual-host bucket and a wildcard descriptor on the Host header
 * (a bucket per host, the per-request descriptor path) whose buckets never empty, and both FallbackPolicy
 * constructs on the route: an aggregate cluster (origin, then a marked fallback over the same endpoints) with
 * the previous-priorities retry priority, and a custom_response local reply for 5xx. Prints
 * {@code ads <port>} per proxy, in order; runs until killed. With the environment variable {@code BENCH_AA}
 * set, both proxies get the plain configuration (the bench's A/A run).
 */
public final class ResilienceBenchControlPlane {

    private static final String SERVICE = "origin.default.svc.cluster.local";
    private static final int SERVICE_PORT = 8080;
    private static final String FILTER = "envoy.filters.http.local_ratelimit";
    private static final String CUSTOM_RESPONSE = "envoy.filters.http.custom_response";
    private static final int NEVER = (int) 4_294_967_295L;

    private ResilienceBenchControlPlane() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ResilienceBenchControlPlane <plainPort>:<upstreamPort> <resilientPort>:<upstreamPort>");
            System.exit(2);
        }
        for (int i = 0; i < 2; i++) {
            String[] ports = args[i].split(":");
            FakeAdsServer ads = new FakeAdsServer().start();
            serve(ads, Integer.parseInt(ports[0]), Integer.parseInt(ports[1]), i == 1 && System.getenv("BENCH_AA") == null);
            System.out.println("ads " + ads.port());
        }
        System.out.flush();
        Thread.currentThread().join();
    }

    static void serve(FakeAdsServer ads, int listenPort, int upstreamPort, boolean resilient) {
        String cluster = Mesh.outbound(SERVICE_PORT, "", SERVICE);
        HttpFilter rateLimit = HttpFilter.newBuilder().setName(FILTER)
                .setTypedConfig(Any.pack(LocalRateLimit.newBuilder().setStatPrefix("http_local_rate_limiter").build())).build();
        HttpFilter customResponse = HttpFilter.newBuilder().setName(CUSTOM_RESPONSE)
                .setTypedConfig(Any.pack(CustomResponse.getDefaultInstance())).build();
        Listener listener = resilient ? BenchControlPlane.listener(listenPort, Mesh.faultFilter(), rateLimit, customResponse)
                : BenchControlPlane.listener(listenPort, Mesh.faultFilter());
        String fallback = "fallback~default~origin-fallback" + cluster.substring(cluster.indexOf('|'));
        String aggregate = "aggregate~default~origin-fallback" + cluster.substring(cluster.indexOf('|'));
        // Both routes retry as pilot's do: Istio's default 2 attempts without a VirtualService retry policy,
        // the FallbackPolicy's own retries through the aggregate cluster with one.
        Route plainRoute = Mesh.prefixRoute("/", cluster);
        Route route = plainRoute.toBuilder()
                .setRoute(plainRoute.getRoute().toBuilder().setRetryPolicy(FallbackXds.istioDefaultRetries())).build();
        if (resilient) {
            // Never taken: the origin always answers 200, so no retry moves to the fallback priority.
            route = FallbackXds.aggregateRoute("/", aggregate, 2, 0).toBuilder()
                    .putTypedPerFilterConfig(CUSTOM_RESPONSE, FallbackXds.staticRoute("/", cluster, "default/origin-static")
                            .getTypedPerFilterConfigOrThrow(CUSTOM_RESPONSE))
                    .build();
        }
        RouteConfiguration rc = Mesh.routeConfig(SERVICE_PORT, SERVICE, route);
        VirtualHost.Builder vh = rc.getVirtualHosts(0).toBuilder().addDomains("*");
        Cluster.Builder c = Mesh.edsCluster(cluster, Cluster.LbPolicy.ROUND_ROBIN).toBuilder();
        if (resilient) {
            vh.putTypedPerFilterConfig(FILTER, Any.pack(neverFiringPolicy()))
                    .addRateLimits(RateLimit.newBuilder().addActions(RateLimit.Action.newBuilder().setRequestHeaders(
                            RateLimit.Action.RequestHeaders.newBuilder().setHeaderName("host").setDescriptorKey("host"))));
            UInt32Value high = UInt32Value.of(100_000);
            c.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                            .setMaxConnections(high).setMaxPendingRequests(high).setMaxRequests(high).setMaxRetries(high)))
                    .setOutlierDetection(OutlierDetection.newBuilder()
                            .setConsecutive5Xx(UInt32Value.of(5)).setEnforcingConsecutive5Xx(UInt32Value.of(100))
                            .setInterval(Duration.newBuilder().setSeconds(10)).setBaseEjectionTime(Duration.newBuilder().setSeconds(30))
                            .setMaxEjectionPercent(UInt32Value.of(10)));
        }
        ads.set(TypeUrls.CLUSTER, "1", resilient
                ? List.of(c.build(), FallbackXds.fallbackCluster(fallback, cluster, "default/origin-fallback"),
                        FallbackXds.aggregate(aggregate, cluster, fallback))
                : List.of(c.build()));
        ads.set(TypeUrls.ENDPOINT, "1", List.of(Mesh.endpoints(cluster, new InetSocketAddress("127.0.0.1", upstreamPort))));
        ads.set(TypeUrls.ROUTE, "1", List.of(rc.toBuilder().setVirtualHosts(0, vh).build()));
        ads.set(TypeUrls.LISTENER, "1", List.of(listener));
    }

    /** What pilot sends for a RateLimitPolicy, with buckets that never empty and a wildcard descriptor on Host. */
    static LocalRateLimit neverFiringPolicy() {
        RuntimeFractionalPercent always = RuntimeFractionalPercent.newBuilder().setDefaultValue(FractionalPercent.newBuilder()
                .setNumerator(100).setDenominator(FractionalPercent.DenominatorType.HUNDRED)).build();
        TokenBucket never = TokenBucket.newBuilder().setMaxTokens(NEVER).setTokensPerFill(UInt32Value.of(NEVER))
                .setFillInterval(Duration.newBuilder().setSeconds(1)).build();
        return LocalRateLimit.newBuilder()
                .setStatPrefix("ratelimit_default_origin")
                .setTokenBucket(never)
                .setFilterEnabled(always)
                .setFilterEnforced(always)
                .addResponseHeadersToAdd(HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey("x-local-rate-limit").setValue("true"))
                        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                .addDescriptors(LocalRateLimitDescriptor.newBuilder()
                        .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey("host"))
                        .setTokenBucket(never))
                .build();
    }
}
