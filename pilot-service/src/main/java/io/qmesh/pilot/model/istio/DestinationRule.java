package io.qmesh.pilot.model.istio;

import java.util.List;
import java.util.Map;

/** {@code networking.istio.io/v1 DestinationRule}. */
public record DestinationRule(ConfigMeta metadata, Spec spec) implements IstioConfig {

    @Override
    public ConfigKind kind() {
        return ConfigKind.DESTINATION_RULE;
    }

    @Override
    public DestinationRule withMetadata(ConfigMeta value) {
        return new DestinationRule(value, spec);
    }

    public record Spec(String host, TrafficPolicy trafficPolicy, List<Subset> subsets, List<String> exportTo,
                       WorkloadSelector workloadSelector) {
        public Spec {
            subsets = subsets == null ? List.of() : subsets;
            exportTo = exportTo == null ? List.of() : exportTo;
        }
    }

    public record WorkloadSelector(Map<String, String> matchLabels) {
    }

    public record Subset(String name, Map<String, String> labels, TrafficPolicy trafficPolicy) {
        public Subset {
            labels = labels == null ? Map.of() : labels;
        }
    }

    public record TrafficPolicy(LoadBalancer loadBalancer, ConnectionPool connectionPool,
                                OutlierDetection outlierDetection, ClientTls tls,
                                List<PortTrafficPolicy> portLevelSettings) {
        public TrafficPolicy {
            portLevelSettings = portLevelSettings == null ? List.of() : portLevelSettings;
        }
    }

    public record PortTrafficPolicy(PortSelector port, LoadBalancer loadBalancer, ConnectionPool connectionPool,
                                    OutlierDetection outlierDetection, ClientTls tls) {
    }

    public record LoadBalancer(String simple, ConsistentHash consistentHash, Map<String, Object> localityLbSetting,
                               String warmupDurationSecs) {
    }

    public record ConsistentHash(String httpHeaderName, HttpCookie httpCookie, Boolean useSourceIp,
                                 String httpQueryParameterName, RingHash ringHash, Maglev maglev,
                                 Long minimumRingSize) {
    }

    public record HttpCookie(String name, String path, String ttl) {
    }

    public record RingHash(Long minimumRingSize) {
    }

    public record Maglev(Long tableSize) {
    }

    public record ConnectionPool(TcpSettings tcp, HttpSettings http) {
    }

    public record TcpSettings(Integer maxConnections, String connectTimeout, Map<String, Object> tcpKeepalive,
                              String maxConnectionDuration, String idleTimeout) {
    }

    public record HttpSettings(Integer http1MaxPendingRequests, Integer http2MaxRequests,
                               Integer maxRequestsPerConnection, Integer maxRetries, String idleTimeout,
                               String h2UpgradePolicy, Boolean useClientProtocol, Integer maxConcurrentStreams) {
    }

    public record OutlierDetection(Integer consecutiveErrors, Integer consecutive5xxErrors,
                                   Integer consecutiveGatewayErrors, Boolean splitExternalLocalOriginErrors,
                                   Integer consecutiveLocalOriginFailures, String interval, String baseEjectionTime,
                                   Integer maxEjectionPercent, Integer minHealthPercent) {
    }

    public record ClientTls(String mode, String clientCertificate, String privateKey, String caCertificates,
                            String credentialName, List<String> subjectAltNames, String sni,
                            Boolean insecureSkipVerify) {
    }
}
