package io.qmesh.proxy.admin;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.qmesh.proxy.cluster.UpstreamCluster;
import io.qmesh.proxy.config.ProxyConfig;
import io.qmesh.proxy.lb.LbEndpoint;
import io.qmesh.proxy.stats.IstioMetrics;
import io.qmesh.proxy.stats.StatsRegistry;
import io.qmesh.proxy.xds.XdsResources;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The admin (15000), health (15021) and Prometheus (15090) endpoints, as path -> response suppliers. */
public final class AdminEndpoints {

    private static final JsonFormat.Printer JSON = JsonFormat.printer()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                    .add(HttpConnectionManager.getDescriptor())
                    .add(TcpProxy.getDescriptor())
                    .add(HTTPFault.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.getDescriptor())
                    .add(Router.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDescriptor())
                    // FallbackPolicy's constructs: aggregate clusters, retry priorities, upstream filters, custom responses.
                    .add(io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.custom_response.v3.CustomResponse.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy.getDescriptor())
                    .add(io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput.getDescriptor())
                    .add(io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput.getDescriptor())
                    .add(io.envoyproxy.envoy.type.matcher.v3.HttpResponseHeaderMatchInput.getDescriptor())
                    .build());

    private final Supplier<ProxyConfig> config;
    private final Supplier<XdsResources> resources;
    private final BooleanSupplier ready;
    private final StatsRegistry stats;
    private final IstioMetrics metrics;
    private final Map<String, String> serverInfo;
    private final long startMillis = System.currentTimeMillis();

    public AdminEndpoints(Supplier<ProxyConfig> config, Supplier<XdsResources> resources, BooleanSupplier ready,
                          StatsRegistry stats, IstioMetrics metrics, Map<String, String> serverInfo) {
        this.config = config;
        this.resources = resources;
        this.ready = ready;
        this.stats = stats;
        this.metrics = metrics;
        this.serverInfo = serverInfo;
    }

    public Map<String, Supplier<AdminResponse>> admin() {
        return Map.of(
                "/config_dump", this::configDump,
                "/clusters", this::clusters,
                "/stats", this::stats,
                "/stats/prometheus", this::prometheus,
                "/ready", this::readyText,
                "/server_info", this::serverInfo);
    }

    public Map<String, Supplier<AdminResponse>> health() {
        return Map.of("/healthz/ready", () -> ready.getAsBoolean()
                ? AdminResponse.text(200, "") : AdminResponse.text(503, "config not yet received\n"));
    }

    public Map<String, Supplier<AdminResponse>> prometheusOnly() {
        return Map.of("/stats/prometheus", this::prometheus);
    }

    AdminResponse readyText() {
        return ready.getAsBoolean() ? AdminResponse.text(200, "LIVE\n") : AdminResponse.text(503, "PRE_INITIALIZING\n");
    }

    AdminResponse serverInfo() {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"state\": \"").append(ready.getAsBoolean() ? "LIVE" : "PRE_INITIALIZING").append("\",\n");
        sb.append("  \"uptime_current_epoch\": \"").append((System.currentTimeMillis() - startMillis) / 1000).append("s\",\n");
        sb.append("  \"config_generation\": ").append(config.get().generation());
        new TreeMap<>(serverInfo).forEach((k, v) -> sb.append(",\n  \"").append(k).append("\": \"")
                .append(v.replace("\"", "\\\"")).append('"'));
        return AdminResponse.json(sb.append("\n}\n").toString());
    }

    /** Envoy-like config dump: the accepted xDS resources with their versions. */
    AdminResponse configDump() {
        XdsResources r = resources.get();
        StringBuilder sb = new StringBuilder("{\n \"configs\": [\n");
        section(sb, "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "dynamic_active_clusters", "cluster",
                r.clusters().values(), r.versions().get(io.qmesh.proxy.xds.TypeUrls.CLUSTER));
        sb.append(",\n");
        section(sb, "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump", "dynamic_endpoint_configs",
                "endpoint_config", r.endpoints().values(), r.versions().get(io.qmesh.proxy.xds.TypeUrls.ENDPOINT));
        sb.append(",\n");
        section(sb, "type.googleapis.com/envoy.admin.v3.ListenersConfigDump", "dynamic_listeners", "active_state",
                r.listeners().values(), r.versions().get(io.qmesh.proxy.xds.TypeUrls.LISTENER));
        sb.append(",\n");
        section(sb, "type.googleapis.com/envoy.admin.v3.RoutesConfigDump", "dynamic_route_configs", "route_config",
                r.routes().values(), r.versions().get(io.qmesh.proxy.xds.TypeUrls.ROUTE));
        return AdminResponse.json(sb.append("\n ]\n}\n").toString());
    }

    private static void section(StringBuilder sb, String type, String listName, String itemName,
                                Collection<? extends Message> items, String version) {
        sb.append("  {\"@type\": \"").append(type).append("\", \"").append(listName).append("\": [");
        boolean first = true;
        for (Message m : items) {
            sb.append(first ? "\n" : ",\n");
            first = false;
            sb.append("    {\"version_info\": \"").append(version == null ? "" : version).append("\", \"")
                    .append(itemName).append("\": ").append(print(m)).append('}');
        }
        sb.append("]}");
    }

    private static String print(Message m) {
        try {
            return JSON.print(m);
        } catch (InvalidProtocolBufferException e) {
            return "{\"error\": \"" + e.getMessage().replace("\"", "'") + "\"}";
        }
    }

    /** Envoy's /clusters text format: cluster::host::stat::value. */
    AdminResponse clusters() {
        StringBuilder sb = new StringBuilder();
        for (UpstreamCluster c : new TreeMap<>(config.get().clusters()).values()) {
            sb.append(c.name()).append("::lb_policy::").append(c.lbPolicy()).append('\n');
            var t = c.thresholds();
            String dp = c.name() + "::default_priority::";
            sb.append(dp).append("max_connections::").append(t.maxConnections()).append('\n');
            sb.append(dp).append("max_pending_requests::").append(t.maxPendingRequests()).append('\n');
            sb.append(dp).append("max_requests::").append(t.maxRequests()).append('\n');
            sb.append(dp).append("max_retries::").append(t.maxRetries()).append('\n');
            for (LbEndpoint e : c.loadBalancer().endpoints()) {
                String p = c.name() + "::" + e.hostPort() + "::";
                sb.append(p).append("health_flags::").append(healthFlags(e)).append('\n');
                sb.append(p).append("weight::").append(e.weight()).append('\n');
                sb.append(p).append("rq_active::").append(e.counters().activeRequests.get()).append('\n');
                sb.append(p).append("rq_total::").append(e.counters().requests.sum()).append('\n');
                sb.append(p).append("rq_error::").append(e.counters().errors.sum()).append('\n');
                sb.append(p).append("cx_connect_fail::").append(e.counters().connectFailures.sum()).append('\n');
                sb.append(p).append("outlier_ejections::").append(e.counters().outlier.ejectionCount()).append('\n');
            }
        }
        return AdminResponse.text(200, sb.toString());
    }

    /** Envoy's rendering: "healthy", or each failed check ("/failed_eds_health/failed_outlier_check"). */
    private static String healthFlags(LbEndpoint e) {
        String flags = (e.healthy() ? "" : "/failed_eds_health")
                + (e.counters().outlier.ejected() ? "/failed_outlier_check" : "");
        return flags.isEmpty() ? "healthy" : flags;
    }

    AdminResponse stats() {
        StringBuilder sb = new StringBuilder();
        stats.snapshot().forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        return AdminResponse.text(200, sb.toString());
    }

    AdminResponse prometheus() {
        StringBuilder sb = new StringBuilder();
        metrics.writePrometheus(sb);
        Map<String, StringBuilder> families = new TreeMap<>();
        stats.snapshot().forEach((name, value) -> {
            String[] metric = PrometheusNames.of(name);
            families.computeIfAbsent(metric[0], k -> new StringBuilder("# TYPE " + k + " counter\n"))
                    .append(metric[0]).append(metric[1]).append(' ').append(value).append('\n');
        });
        families.values().forEach(sb::append);
        return new AdminResponse(200, "text/plain; version=0.0.4", sb.toString());
    }
}
