package io.qmesh.pilot.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
import io.envoyproxy.envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CDS for destination fallbacks, in Envoy's documented shape for failover between clusters: per primary
 * cluster of a policy's target an aggregate cluster ({@code envoy.clusters.aggregate}) listing the primary
 * first and the fallback second, so the fallback gets load only as the primary's health falls (and on
 * retries, through the route's previous-priorities retry priority). The fallback is its own cluster over
 * the fallback destination's endpoints (same EDS resource) with an upstream header-mutation filter that
 * adds {@code x-qmesh-fallback: <ns>/<policy>} to every response it serves, so degradation is visible to
 * callers and in that cluster's stats on any Envoy-compatible proxy.
 */
final class FallbackClusters {
    static final String AGGREGATE = "envoy.clusters.aggregate";
    static final String HEADER_MUTATION = "envoy.filters.http.header_mutation";
    static final String UPSTREAM_CODEC = "envoy.filters.http.upstream_codec";

    private FallbackClusters() {
    }

    static List<Cluster> translate(FallbackPlan plan) {
        Map<String, Cluster> out = new TreeMap<>();
        for (FallbackPlan.Target t : plan.targets()) {
            if (t.fallback() == null) {
                continue;
            }
            out.computeIfAbsent(t.fallbackName(), name -> fallback(name, t));
            Cluster primary = ClusterTranslator.outbound(t.primary());
            out.put(t.aggregateName(), Cluster.newBuilder()
                    .setName(t.aggregateName())
                    .setConnectTimeout(primary.getConnectTimeout())
                    .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                    .setClusterType(Cluster.CustomClusterType.newBuilder()
                            .setName(AGGREGATE)
                            .setTypedConfig(Protos.any(ClusterConfig.newBuilder()
                                    .addClusters(t.primary().name())
                                    .addClusters(t.fallbackName()).build())))
                    .build());
        }
        return new ArrayList<>(out.values());
    }

    /** The fallback destination's cluster under a policy's name, sharing its endpoints, marking its responses. */
    private static Cluster fallback(String name, FallbackPlan.Target t) {
        Cluster original = ClusterTranslator.outbound(t.fallback());
        Cluster.Builder b = original.toBuilder().setName(name);
        if (original.getType() == Cluster.DiscoveryType.EDS) {
            b.setEdsClusterConfig(original.getEdsClusterConfig().toBuilder().setServiceName(t.fallback().name()));
        }
        HttpProtocolOptions options;
        try {
            options = original.getTypedExtensionProtocolOptionsOrThrow(ClusterTranslator.HTTP_OPTIONS)
                    .unpack(HttpProtocolOptions.class);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("pilot's own " + ClusterTranslator.HTTP_OPTIONS + " does not unpack", e);
        }
        HeaderMutation mark = HeaderMutation.newBuilder()
                .setAppend(HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey(FallbackPlan.HEADER).setValue(t.policyRef()))
                        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                .build();
        options = options.toBuilder()
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(HEADER_MUTATION)
                        .setTypedConfig(Protos.any(io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
                                .newBuilder().setMutations(Mutations.newBuilder().addResponseMutations(mark)).build())))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(UPSTREAM_CODEC)
                        .setTypedConfig(Protos.any(UpstreamCodec.getDefaultInstance())))
                .build();
        return b.putTypedExtensionProtocolOptions(ClusterTranslator.HTTP_OPTIONS, Protos.any(options)).build();
    }
}
