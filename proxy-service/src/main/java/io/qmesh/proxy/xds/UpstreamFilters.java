package io.qmesh.proxy.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.qmesh.proxy.cluster.AggregateSelection;
import io.qmesh.proxy.config.InvalidConfigException;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster-level constructs FallbackPolicy uses: an aggregate cluster's child list, and a cluster's
 * upstream HTTP filters ({@code http_filters} of its HttpProtocolOptions), of which this proxy runs
 * {@code envoy.filters.http.header_mutation} (response mutations) followed by the terminal
 * {@code envoy.filters.http.upstream_codec}.
 */
final class UpstreamFilters {
    static final String AGGREGATE = "envoy.clusters.aggregate";
    static final String HEADER_MUTATION = "envoy.filters.http.header_mutation";
    static final String UPSTREAM_CODEC = "envoy.filters.http.upstream_codec";

    private UpstreamFilters() {
    }

    /** cluster_type envoy.clusters.aggregate -> its clusters in priority order. */
    static List<String> aggregateClusters(io.envoyproxy.envoy.config.cluster.v3.Cluster c, String field)
            throws InvalidConfigException {
        var type = c.getClusterType();
        String at = field + ".cluster_type";
        if (!type.getName().equals(AGGREGATE) && !type.getTypedConfig().is(ClusterConfig.class)) {
            throw new InvalidConfigException(at + ".name: \"" + type.getName() + "\" (expected: " + AGGREGATE + ")");
        }
        ClusterConfig config;
        try {
            config = type.getTypedConfig().unpack(ClusterConfig.class);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidConfigException(at + ".typed_config: " + type.getTypedConfig().getTypeUrl()
                    + " (expected: type.googleapis.com/" + ClusterConfig.getDescriptor().getFullName() + ")");
        }
        if (config.getClustersCount() == 0) {
            throw new InvalidConfigException(at + ".typed_config.clusters: [] (expected: at least one cluster)");
        }
        if (config.getClustersCount() > AggregateSelection.MAX_LEVELS) {
            throw new InvalidConfigException(at + ".typed_config.clusters: " + config.getClustersCount()
                    + " clusters (expected: at most " + AggregateSelection.MAX_LEVELS + ")");
        }
        if (c.getLbPolicy() != io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy.CLUSTER_PROVIDED) {
            throw new InvalidConfigException(field + ".lb_policy: " + c.getLbPolicy()
                    + " (expected: CLUSTER_PROVIDED for an aggregate cluster)");
        }
        return List.copyOf(config.getClustersList());
    }

    /** The response mutations of the cluster's upstream filters; NONE without filters. */
    static io.qmesh.proxy.route.HeaderMutation responseMutations(HttpProtocolOptions options, String field)
            throws InvalidConfigException {
        if (options == null || options.getHttpFiltersCount() == 0) {
            return io.qmesh.proxy.route.HeaderMutation.NONE;
        }
        String at = field + ".typed_extension_protocol_options[" + ClusterTranslator.HTTP_PROTOCOL_OPTIONS + "].http_filters";
        List<io.envoyproxy.envoy.config.core.v3.HeaderValueOption> add = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        int last = options.getHttpFiltersCount() - 1;
        for (int i = 0; i <= last; i++) {
            HttpFilter f = options.getHttpFilters(i);
            String fat = at + "[" + i + "]";
            if (f.getName().equals(UPSTREAM_CODEC)) {
                if (i != last) {
                    throw new InvalidConfigException(fat + ": " + UPSTREAM_CODEC + " (expected: only as the last filter)");
                }
                continue;
            }
            if (!f.getName().equals(HEADER_MUTATION)) {
                throw new InvalidConfigException(fat + ".name: \"" + f.getName() + "\" (expected: " + HEADER_MUTATION
                        + " or " + UPSTREAM_CODEC + ")");
            }
            HeaderMutation m;
            try {
                m = f.getTypedConfig().unpack(HeaderMutation.class);
            } catch (InvalidProtocolBufferException e) {
                throw new InvalidConfigException(fat + ".typed_config: " + f.getTypedConfig().getTypeUrl()
                        + " (expected: type.googleapis.com/" + HeaderMutation.getDescriptor().getFullName() + ")");
            }
            if (m.getMutations().getRequestMutationsCount() > 0 || m.getMutations().getQueryParameterMutationsCount() > 0) {
                throw new InvalidConfigException(fat + ".typed_config.mutations.request_mutations: set (expected: "
                        + "response_mutations only; request mutations are not implemented upstream)");
            }
            for (var r : m.getMutations().getResponseMutationsList()) {
                if (r.hasRemove()) {
                    remove.add(r.getRemove());
                } else {
                    add.add(r.getAppend());
                }
            }
        }
        if (!options.getHttpFilters(last).getName().equals(UPSTREAM_CODEC)) {
            throw new InvalidConfigException(at + "[" + last + "].name: \"" + options.getHttpFilters(last).getName()
                    + "\" (expected: " + UPSTREAM_CODEC + " as the last upstream filter)");
        }
        return RouteTranslator.mutation(add, remove);
    }
}
