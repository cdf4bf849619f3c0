package io.qmesh.proxy.testing;

import com.google.protobuf.Any;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.qmesh.proxy.cluster.AggregateSelection;
import io.qmesh.proxy.cluster.LbPolicy;
import io.qmesh.proxy.cluster.UpstreamCluster;
import io.qmesh.proxy.cluster.UpstreamProtocol;
import io.qmesh.proxy.filter.CustomResponseConfig;
import io.qmesh.proxy.filter.CustomResponseFilterFactory;
import io.qmesh.proxy.filter.ratelimit.LocalRateLimitFilterConfig;
import io.qmesh.proxy.filter.ratelimit.LocalRateLimitFilterFactory;
import io.qmesh.proxy.filter.ratelimit.RateLimits;
import io.qmesh.proxy.lb.LbEndpoint;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.lb.RoundRobinLoadBalancer;
import io.qmesh.proxy.resilience.CircuitBreaker;
import io.qmesh.proxy.resilience.HostMonitor;
import io.qmesh.proxy.resilience.OutlierDetector;
import io.qmesh.proxy.resilience.ResilienceRegistry;
import io.qmesh.proxy.route.HeaderMutation;
import io.qmesh.proxy.stats.StatsRegistry;
import java.util.Arrays;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * What the resilience features cost one request on the proxy's hot path, in-process and single-threaded,
 * so that a loaded machine inflates it rather than drowns it (bench/resilience-overhead.sh prints it
 * next to the end-to-end numbers): the local rate limit as {@link ResilienceBenchControlPlane}
 * configures it (descriptor from the Host header, a wildcard bucket per host and the default bucket),
 * a circuit breaker's request slot (take and release), an outlier detector's report of a 200, and
 * FallbackPolicy's two constructs: an aggregate cluster's choice of child for a request (a new selection
 * over a healthy primary and its fallback) and the custom_response rules tried on a 200.
 * Prints {@code <name> <ns per request> <bytes allocated per request>}, the medians of 9 runs of 2 million
 * requests after warm-up.
 */
public final class ResilienceHotPathBench {
    private static final int N = 2_000_000;
    /** Bytes allocated per request matter as much as time: more garbage means more young pauses in the tail. */
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    private ResilienceHotPathBench() {
    }

    public static void main(String[] args) throws Exception {
        StatsRegistry stats = new StatsRegistry();
        LocalRateLimitFilterConfig config = (LocalRateLimitFilterConfig) new LocalRateLimitFilterFactory(stats, System::nanoTime)
                .parsePerRoute(Any.pack(ResilienceBenchControlPlane.neverFiringPolicy()), "bench");
        RateLimits actions = new RateLimits(List.of(List.of(new RateLimits.RequestHeader("host", "host", false))));
        HttpHeaders headers = new DefaultHttpHeaders()
                .add("host", "origin.default.svc.cluster.local:8080").add("user-agent", "wrk").add("accept", "*/*")
                .add("x-request-id", "7f0b6a52-0c1f-4b8e-9a57-1d2e3f4a5b6c");
        CircuitBreaker breaker = new CircuitBreaker("cluster.bench.", stats);
        CircuitBreaker.Thresholds high = new CircuitBreaker.Thresholds(100_000, 100_000, 100_000, 100_000);
        OutlierDetector outlier = new OutlierDetector("cluster.bench.", stats, System::nanoTime, Math::random);
        HostMonitor host = new HostMonitor();
        outlier.update(new OutlierDetector.Config(5, 100, 0, 0, 10_000_000_000L, 30_000_000_000L, 300_000_000_000L, 10),
                List.of(host));

        ResilienceRegistry resilience = new ResilienceRegistry(stats, System::nanoTime, Math::random);
        UpstreamCluster primary = endpoints("primary", 3, resilience);
        UpstreamCluster fallback = endpoints("fallback", 2, resilience);
        UpstreamCluster aggregate = new UpstreamCluster("aggregate", LbPolicy.CLUSTER_PROVIDED, 1000, 0,
                new RoundRobinLoadBalancer(List.of(), RandomSource.seeded(1)), "origin.default.svc.cluster.local", "",
                UpstreamProtocol.HTTP1, 0, CircuitBreaker.Thresholds.ENVOY_DEFAULTS, null, resilience.forCluster("aggregate"),
                List.of("primary", "fallback"), HeaderMutation.NONE, null);
        Map<String, UpstreamCluster> clusters = Map.of("primary", primary, "fallback", fallback, "aggregate", aggregate);
        CustomResponseConfig customResponse = (CustomResponseConfig) new CustomResponseFilterFactory().parsePerRoute(
                FallbackXds.staticRoute("/", "primary", "default/origin-static")
                        .getTypedPerFilterConfigOrThrow(CustomResponseFilterFactory.NAME), "bench");
        HttpHeaders responseHeaders = new DefaultHttpHeaders().add("content-type", "text/plain").add("content-length", "1024");
        io.netty.handler.codec.http.HttpRequest request = new io.netty.handler.codec.http.DefaultHttpRequest(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.GET, "/", headers);

        report("local_rate_limit", () -> config.limiter().allow(actions.descriptors(headers)) ? 1 : 0);
        report("circuit_breaker", () -> {
            boolean ok = breaker.tryAcquireRequest(high);
            breaker.releaseRequest();
            return ok ? 1 : 0;
        });
        report("outlier_detection", () -> {
            outlier.reportStatus(host, 200);
            return 1;
        });
        report("aggregate_cluster", () -> new AggregateSelection(aggregate, 3).choose(clusters, 42) == primary ? 1 : 0);
        report("custom_response", () -> customResponse.match(200, responseHeaders, request) == null ? 1 : 0);
    }

    private static UpstreamCluster endpoints(String name, int count, ResilienceRegistry resilience) {
        List<LbEndpoint> hosts = java.util.stream.IntStream.range(0, count).mapToObj(i -> new LbEndpoint(
                new InetSocketAddress("127.0.0.1", 9000 + i), 1, true, "", new LbEndpoint.Counters())).toList();
        return new UpstreamCluster(name, LbPolicy.ROUND_ROBIN, 1000, 0, new RoundRobinLoadBalancer(hosts, RandomSource.seeded(2)),
                "origin.default.svc.cluster.local", name, UpstreamProtocol.HTTP1, 0, CircuitBreaker.Thresholds.ENVOY_DEFAULTS,
                null, resilience.forCluster(name));
    }

    interface Op {
        int run();
    }

    private static void report(String name, Op op) {
        long sink = 0;
        for (int i = 0; i < 3 * N; i++) {
            sink += op.run();
        }
        double[] ns = new double[9];
        double[] bytes = new double[ns.length];
        for (int r = 0; r < ns.length; r++) {
            long b0 = THREADS.getCurrentThreadAllocatedBytes();
            long t0 = System.nanoTime();
            for (int i = 0; i < N; i++) {
                sink += op.run();
            }
            ns[r] = (System.nanoTime() - t0) / (double) N;
            bytes[r] = (THREADS.getCurrentThreadAllocatedBytes() - b0) / (double) N;
        }
        Arrays.sort(ns);
        Arrays.sort(bytes);
        System.out.printf("%s %.1f %.0f%n", name, ns[ns.length / 2], bytes[bytes.length / 2]);
        if (sink == 42) {
            System.out.println();
        }
    }
}
