package io.qmesh.proxy.cluster;

import java.net.InetSocketAddress;

import io.qmesh.proxy.lb.LoadBalancer;
import io.qmesh.proxy.resilience.CircuitBreaker;
import io.qmesh.proxy.resilience.ClusterResilience;
import io.qmesh.proxy.resilience.OutlierDetector;
import io.qmesh.proxy.route.HeaderMutation;
import io.qmesh.proxy.stats.StatsScope;
import java.util.List;

/**
 * A cluster ready for the data path: its settings, its endpoints inside a load balancer, and what
 * Istio's metrics say about its destination.
 *
 * @param connectTimeoutMillis     connect_timeout (Istio's default 10 s)
 * @param maxRequestsPerConnection 0 = unlimited
 * @param destinationService       e.g. reviews.default.svc.cluster.local, from the Istio cluster name
 * @param subset                   e.g. v1, or ""
 * @param protocol                 HTTP/1.1 or HTTP/2 (h2c) towards the endpoints
 * @param idleTimeoutMillis        common_http_protocol_options.idle_timeout: an idle pooled connection closes after it (0 = never)
 * @param thresholds               circuit_breakers (DEFAULT priority) of this generation
 * @param outlier                  outlier_detection of this generation, or null
 * @param resilience               the cluster's breaker and outlier detector, shared across generations
 * @param aggregateClusters        for an {@code envoy.clusters.aggregate} cluster, its child clusters in priority
 *                                 order (see {@link AggregateSelection}); empty for a cluster with endpoints
 * @param responseHeaders          response mutations of the cluster's upstream {@code header_mutation} filter
 * @param sourceAddress            upstream_bind_config.source_address: the local address connections bind
 *                                 before connecting (Istio's 127.0.0.6 for inbound clusters, so the capture
 *                                 rules let the proxy reach its own workload), or null for the kernel's choice
 */
public record UpstreamCluster(
        String name,
        LbPolicy lbPolicy,
        long connectTimeoutMillis,
        int maxRequestsPerConnection,
        LoadBalancer loadBalancer,
        String destinationService,
        String subset,
        UpstreamProtocol protocol,
        long idleTimeoutMillis,
        CircuitBreaker.Thresholds thresholds,
        OutlierDetector.Config outlier,
        ClusterResilience resilience,
        List<String> aggregateClusters,
        HeaderMutation responseHeaders,
        InetSocketAddress sourceAddress) {

    /** A cluster with endpoints and no upstream filters. */
    public UpstreamCluster(String name, LbPolicy lbPolicy, long connectTimeoutMillis, int maxRequestsPerConnection,
                           LoadBalancer loadBalancer, String destinationService, String subset, UpstreamProtocol protocol,
                           long idleTimeoutMillis, CircuitBreaker.Thresholds thresholds, OutlierDetector.Config outlier,
                           ClusterResilience resilience) {
        this(name, lbPolicy, connectTimeoutMillis, maxRequestsPerConnection, loadBalancer, destinationService, subset,
                protocol, idleTimeoutMillis, thresholds, outlier, resilience, List.of(), HeaderMutation.NONE, null);
    }

    public boolean aggregate() {
        return !aggregateClusters.isEmpty();
    }

    public CircuitBreaker circuitBreaker() {
        return resilience.circuitBreaker();
    }

    public OutlierDetector outlierDetector() {
        return resilience.outlierDetector();
    }

    /** Hands this generation's outlier settings and endpoints to the detector, once the config is published. */
    public void publishOutlierSettings() {
        resilience.outlierDetector().update(outlier,
                loadBalancer.endpoints().stream().map(e -> e.counters().outlier).toList());
    }

    /** The short service name: the first label of the service FQDN. */
    public String destinationServiceName() {
        int dot = destinationService.indexOf('.');
        return dot < 0 ? destinationService : destinationService.substring(0, dot);
    }

    /** The namespace from the FQDN ({@code name.ns.svc...}), or "". */
    public String destinationNamespace() {
        String[] parts = destinationService.split("\\.");
        return parts.length > 1 ? parts[1] : "";
    }

    /** Counter name prefix: cluster.&lt;name&gt;. */
    public String statPrefix() {
        return resilience.stats().prefix();
    }

    /** The cluster's counters ({@code cluster.<name>.*}). */
    public StatsScope stats() {
        return resilience.stats();
    }
}
