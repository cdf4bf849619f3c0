package io.qmesh.proxy.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.Matcher;
import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig;
import io.envoyproxy.envoy.extensions.filters.http.custom_response.v3.CustomResponse;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.qmesh.proxy.cluster.UpstreamCluster;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.filter.CustomResponseFilterFactory;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.resilience.ResilienceRegistry;
import io.qmesh.proxy.stats.StatsRegistry;
import io.qmesh.proxy.testing.Mesh;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FallbackPolicy's Envoy constructs at the xDS edge: accepted in pilot's shape, NACKed with the field otherwise. */
class FallbackTranslationTest {

    static final String AGGREGATE = "aggregate~default~reviews-v1|9080|v2|reviews.default.svc.cluster.local";
    final ClusterTranslator clusters = new ClusterTranslator(RandomSource.seeded(1),
            new ResilienceRegistry(new StatsRegistry(), System::nanoTime, () -> 0.0));

    static Cluster aggregate(Cluster.LbPolicy policy, String... children) {
        return Cluster.newBuilder().setName(AGGREGATE).setLbPolicy(policy)
                .setClusterType(Cluster.CustomClusterType.newBuilder().setName("envoy.clusters.aggregate")
                        .setTypedConfig(Any.pack(ClusterConfig.newBuilder().addAllClusters(List.of(children)).build())))
                .build();
    }

    @Test
    void anAggregateClusterListsItsChildrenInPriorityOrder() throws Exception {
        UpstreamCluster c = clusters.translate(aggregate(Cluster.LbPolicy.CLUSTER_PROVIDED, "primary", "fallback"), null);
        assertTrue(c.aggregate());
        assertEquals(List.of("primary", "fallback"), c.aggregateClusters());
        assertEquals("v2", c.subset());
    }

    @Test
    void aggregateClustersNeedClusterProvidedAndChildren() {
        assertEquals("clusters[" + AGGREGATE + "].lb_policy: ROUND_ROBIN (expected: CLUSTER_PROVIDED for an aggregate cluster)",
                assertThrows(InvalidConfigException.class,
                        () -> clusters.translate(aggregate(Cluster.LbPolicy.ROUND_ROBIN, "a"), null)).getMessage());
        assertEquals("clusters[" + AGGREGATE + "].cluster_type.typed_config.clusters: [] (expected: at least one cluster)",
                assertThrows(InvalidConfigException.class,
                        () -> clusters.translate(aggregate(Cluster.LbPolicy.CLUSTER_PROVIDED), null)).getMessage());
        String[] tooMany = java.util.stream.IntStream.range(0, 65).mapToObj(i -> "c" + i).toArray(String[]::new);
        assertEquals("clusters[" + AGGREGATE + "].cluster_type.typed_config.clusters: 65 clusters (expected: at most 64)",
                assertThrows(InvalidConfigException.class,
                        () -> clusters.translate(aggregate(Cluster.LbPolicy.CLUSTER_PROVIDED, tooMany), null)).getMessage());
        Cluster redis = aggregate(Cluster.LbPolicy.CLUSTER_PROVIDED, "a").toBuilder()
                .setClusterType(Cluster.CustomClusterType.newBuilder().setName("envoy.clusters.redis")).build();
        assertEquals("clusters[" + AGGREGATE + "].cluster_type.name: \"envoy.clusters.redis\" (expected: envoy.clusters.aggregate)",
                assertThrows(InvalidConfigException.class, () -> clusters.translate(redis, null)).getMessage());
    }

    @Test
    void upstreamFiltersEndWithTheCodecAndOnlyMutateResponses() {
        Cluster c = Mesh.edsCluster("fallback", Cluster.LbPolicy.ROUND_ROBIN);
        Cluster noCodec = c.toBuilder().putTypedExtensionProtocolOptions(ClusterTranslator.HTTP_PROTOCOL_OPTIONS,
                Any.pack(HttpProtocolOptions.newBuilder().addHttpFilters(HttpFilter.newBuilder()
                        .setName("envoy.filters.http.header_mutation")
                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
                                .getDefaultInstance()))).build())).build();
        assertEquals("clusters[fallback].typed_extension_protocol_options[envoy.extensions.upstreams.http.v3.HttpProtocolOptions]"
                        + ".http_filters[0].name: \"envoy.filters.http.header_mutation\" (expected: envoy.filters.http.upstream_codec as the last upstream filter)",
                assertThrows(InvalidConfigException.class,
                        () -> clusters.translate(noCodec, Mesh.endpoints("fallback"))).getMessage());
        Cluster lua = c.toBuilder().putTypedExtensionProtocolOptions(ClusterTranslator.HTTP_PROTOCOL_OPTIONS,
                Any.pack(HttpProtocolOptions.newBuilder().addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.lua"))
                        .build())).build();
        assertTrue(assertThrows(InvalidConfigException.class, () -> clusters.translate(lua, Mesh.endpoints("fallback")))
                .getMessage().endsWith(".http_filters[0].name: \"envoy.filters.http.lua\" (expected: envoy.filters.http.header_mutation or envoy.filters.http.upstream_codec)"));
    }

    @Test
    void theRetryPriorityIsPreviousPrioritiesWithAPositiveUpdateFrequency() throws Exception {
        RetryPolicy.Builder p = RetryPolicy.newBuilder().setRetryOn("5xx").setNumRetries(UInt32Value.of(3))
                .setRetryPriority(RetryPolicy.RetryPriority.newBuilder().setName("envoy.retry_priorities.previous_priorities")
                        .setTypedConfig(Any.pack(PreviousPrioritiesConfig.newBuilder().setUpdateFrequency(3).build())));
        assertEquals(3, RouteTranslator.retryPolicy(p.build(), "r").previousPrioritiesUpdateFrequency());
        assertEquals(0, RouteTranslator.retryPolicy(p.clearRetryPriority().build(), "r").previousPrioritiesUpdateFrequency());
        RetryPolicy zero = p.setRetryPriority(RetryPolicy.RetryPriority.newBuilder().setName("envoy.retry_priorities.previous_priorities")
                .setTypedConfig(Any.pack(PreviousPrioritiesConfig.getDefaultInstance()))).build();
        assertEquals("r.retry_priority.typed_config.update_frequency: 0 (expected: > 0)",
                assertThrows(InvalidConfigException.class, () -> RouteTranslator.retryPolicy(zero, "r")).getMessage());
        RetryPolicy other = p.setRetryPriority(RetryPolicy.RetryPriority.newBuilder().setName("acme.retry_priority")).build();
        assertEquals("r.retry_priority.name: \"acme.retry_priority\" (expected: envoy.retry_priorities.previous_priorities)",
                assertThrows(InvalidConfigException.class, () -> RouteTranslator.retryPolicy(other, "r")).getMessage());
    }

    @Test
    void customResponseMatcherTreesAreNacked() {
        CustomResponse tree = CustomResponse.newBuilder().setCustomResponseMatcher(Matcher.newBuilder()
                .setMatcherTree(Matcher.MatcherTree.getDefaultInstance())).build();
        assertEquals("route.custom_response_matcher.matcher_tree: set (expected: matcher_list; matcher trees are not implemented)",
                assertThrows(InvalidConfigException.class,
                        () -> new CustomResponseFilterFactory().parsePerRoute(Any.pack(tree), "route")).getMessage());
    }
}
