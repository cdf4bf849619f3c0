package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.SidecarScope;
import io.qmesh.pilot.model.istio.ConfigMeta;
import io.qmesh.pilot.model.istio.DestinationRule;
import io.qmesh.pilot.model.istio.FallbackPolicy;
import io.qmesh.pilot.model.istio.Gateway;
import io.qmesh.pilot.model.istio.IstioConfig;
import io.qmesh.pilot.model.istio.Sidecar;
import io.qmesh.pilot.model.istio.VirtualService;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.qmesh.pilot.rules.Findings.q;

/**
 * Validates one object on its own, following Istio's validation rules; checks that need other objects
 * (a subset no DestinationRule defines) are warnings from {@link RuleAnalyzer}. The VirtualService
 * checks are in {@link VirtualServiceValidator}; this class dispatches and owns the smaller kinds.
 */
public final class RuleValidator {
    private static final Set<String> LB_SIMPLE = Set.of("UNSPECIFIED", "LEAST_CONN", "LEAST_REQUEST", "ROUND_ROBIN",
            "RANDOM", "PASSTHROUGH");
    private static final Set<String> TLS_MODES = Set.of("DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL");
    private static final Set<String> SERVER_PROTOCOLS = Set.of("HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO",
            "TCP", "TLS");

    private RuleValidator() {
    }

    public static ValidationResult validate(IstioConfig config) {
        Findings f = new Findings();
        metadata(f, config.metadata());
        if (config instanceof VirtualService vs) {
            VirtualServiceValidator.validate(f, vs.spec());
        } else if (config instanceof DestinationRule dr) {
            destinationRule(f, dr.spec());
        } else if (config instanceof Gateway gw) {
            gateway(f, gw.spec());
        } else if (config instanceof Sidecar sc) {
            sidecar(f, sc.spec());
        } else if (config instanceof FallbackPolicy fp) {
            FallbackPolicyValidator.validate(f, fp.spec());
        }
        return new ValidationResult(f.errors, f.warnings);
    }

    private static void metadata(Findings f, ConfigMeta meta) {
        if (meta.name() == null || meta.name().isEmpty()) {
            f.error("metadata.name", "missing (expected: a lowercase RFC 1123 subdomain)");
        } else if (!Findings.DNS1123_SUBDOMAIN.matcher(meta.name()).matches()) {
            f.error("metadata.name", q(meta.name()) + " (expected: a lowercase RFC 1123 subdomain)");
        }
        f.dnsLabel("metadata.namespace", meta.namespace());
        f.labels("metadata.labels", meta.labels());
    }

    /**
     * Istio's Sidecar checks on what pilot applies (egress hosts, see {@link SidecarScope}); fields pilot
     * accepts but does not apply are warnings, so an Istio file still applies and says what it lacks.
     */
    private static void sidecar(Findings f, Sidecar.Spec spec) {
        if (spec.egress().isEmpty()) {
            f.error("spec.egress", "missing (expected: at least one egress listener with hosts)");
        }
        for (int i = 0; i < spec.egress().size(); i++) {
            Sidecar.EgressListener e = spec.egress().get(i);
            String at = "spec.egress[" + i + "]";
            if (e.hosts().isEmpty()) {
                f.error(at + ".hosts", "missing (expected: at least one <namespace>/<host>)");
            }
            for (int j = 0; j < e.hosts().size(); j++) {
                String problem = SidecarScope.check(e.hosts().get(j));
                if (problem != null) {
                    f.error(at + ".hosts[" + j + "]", problem);
                }
            }
            if (e.port() != null || e.bind() != null || e.captureMode() != null) {
                f.warn(at, "port, bind and captureMode are not applied (pilot scopes by hosts, on every port)");
            }
        }
        if (spec.workloadSelector() != null) {
            f.warn("spec.workloadSelector", "not supported: this Sidecar is ignored (expected: none, one Sidecar per namespace)");
        }
        if (!spec.ingress().isEmpty() || spec.outboundTrafficPolicy() != null || spec.inboundConnectionPool() != null) {
            f.warn("spec", "ingress, outboundTrafficPolicy and inboundConnectionPool are not applied");
        }
    }

    private static void destinationRule(Findings f, DestinationRule.Spec spec) {
        f.host("spec.host", spec.host(), false);
        trafficPolicy(f, "spec.trafficPolicy", spec.trafficPolicy());
        Set<String> names = new HashSet<>();
        for (int i = 0; i < spec.subsets().size(); i++) {
            DestinationRule.Subset s = spec.subsets().get(i);
            String at = "spec.subsets[" + i + "]";
            if (s.name() == null || s.name().isEmpty()) {
                f.error(at + ".name", "missing (expected: a lowercase RFC 1123 label)");
            } else {
                f.dnsLabel(at + ".name", s.name());
                if (!names.add(s.name())) {
                    f.error(at + ".name", q(s.name()) + " (expected: unique subset names)");
                }
            }
            f.labels(at + ".labels", s.labels());
            trafficPolicy(f, at + ".trafficPolicy", s.trafficPolicy());
        }
        if (spec.workloadSelector() != null) {
            f.labels("spec.workloadSelector.matchLabels", spec.workloadSelector().matchLabels());
        }
    }

    private static void trafficPolicy(Findings f, String at, DestinationRule.TrafficPolicy tp) {
        if (tp == null) {
            return;
        }
        loadBalancer(f, at + ".loadBalancer", tp.loadBalancer());
        connectionPool(f, at + ".connectionPool", tp.connectionPool());
        outlier(f, at + ".outlierDetection", tp.outlierDetection());
        tls(f, at + ".tls", tp.tls());
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < tp.portLevelSettings().size(); i++) {
            DestinationRule.PortTrafficPolicy p = tp.portLevelSettings().get(i);
            String pat = at + ".portLevelSettings[" + i + "]";
            if (p.port() == null || p.port().number() == null) {
                f.error(pat + ".port", "missing (expected: a port with number)");
            } else {
                f.port(pat + ".port.number", p.port().number());
                if (!ports.add(p.port().number())) {
                    f.error(pat + ".port.number", p.port().number() + " (expected: each port listed once)");
                }
            }
            loadBalancer(f, pat + ".loadBalancer", p.loadBalancer());
            connectionPool(f, pat + ".connectionPool", p.connectionPool());
            outlier(f, pat + ".outlierDetection", p.outlierDetection());
            tls(f, pat + ".tls", p.tls());
        }
    }

    private static void loadBalancer(Findings f, String at, DestinationRule.LoadBalancer lb) {
        if (lb == null) {
            return;
        }
        if (lb.simple() != null && lb.consistentHash() != null) {
            f.error(at, "both simple and consistentHash (expected: exactly one of them)");
        }
        if (lb.simple() != null && !LB_SIMPLE.contains(lb.simple())) {
            f.error(at + ".simple", q(lb.simple()) + " (expected: one of LEAST_REQUEST, ROUND_ROBIN, RANDOM, PASSTHROUGH)");
        }
        DestinationRule.ConsistentHash ch = lb.consistentHash();
        if (ch != null) {
            int keys = (ch.httpHeaderName() != null ? 1 : 0) + (ch.httpCookie() != null ? 1 : 0)
                    + (Boolean.TRUE.equals(ch.useSourceIp()) ? 1 : 0) + (ch.httpQueryParameterName() != null ? 1 : 0);
            if (keys != 1) {
                f.error(at + ".consistentHash", keys + " hash keys (expected: exactly one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName)");
            }
            if (ch.httpCookie() != null) {
                f.required(at + ".consistentHash.httpCookie.name", ch.httpCookie().name(), "a cookie name");
                f.duration(at + ".consistentHash.httpCookie.ttl", ch.httpCookie().ttl());
            }
            if (ch.ringHash() != null && ch.maglev() != null) {
                f.error(at + ".consistentHash", "both ringHash and maglev (expected: at most one of them)");
            }
            if (ch.ringHash() != null) {
                f.atLeast(at + ".consistentHash.ringHash.minimumRingSize", ch.ringHash().minimumRingSize(), 1);
            }
            if (ch.maglev() != null) {
                f.atLeast(at + ".consistentHash.maglev.tableSize", ch.maglev().tableSize(), 1);
            }
        }
    }

    private static void connectionPool(Findings f, String at, DestinationRule.ConnectionPool cp) {
        if (cp == null) {
            return;
        }
        if (cp.tcp() != null) {
            f.atLeast(at + ".tcp.maxConnections", cp.tcp().maxConnections(), 1);
            f.duration(at + ".tcp.connectTimeout", cp.tcp().connectTimeout());
            f.duration(at + ".tcp.maxConnectionDuration", cp.tcp().maxConnectionDuration());
            f.duration(at + ".tcp.idleTimeout", cp.tcp().idleTimeout());
        }
        if (cp.http() != null) {
            DestinationRule.HttpSettings h = cp.http();
            f.atLeast(at + ".http.http1MaxPendingRequests", h.http1MaxPendingRequests(), 0);
            f.atLeast(at + ".http.http2MaxRequests", h.http2MaxRequests(), 0);
            f.atLeast(at + ".http.maxRequestsPerConnection", h.maxRequestsPerConnection(), 0);
            f.atLeast(at + ".http.maxRetries", h.maxRetries(), 0);
            f.atLeast(at + ".http.maxConcurrentStreams", h.maxConcurrentStreams(), 0);
            f.duration(at + ".http.idleTimeout", h.idleTimeout());
            if (h.h2UpgradePolicy() != null && !Set.of("DEFAULT", "DO_NOT_UPGRADE", "UPGRADE").contains(h.h2UpgradePolicy())) {
                f.error(at + ".http.h2UpgradePolicy", q(h.h2UpgradePolicy()) + " (expected: one of DEFAULT, DO_NOT_UPGRADE, UPGRADE)");
            }
        }
    }

    private static void outlier(Findings f, String at, DestinationRule.OutlierDetection od) {
        if (od == null) {
            return;
        }
        f.atLeast(at + ".consecutiveErrors", od.consecutiveErrors(), 0);
        f.atLeast(at + ".consecutive5xxErrors", od.consecutive5xxErrors(), 0);
        f.atLeast(at + ".consecutiveGatewayErrors", od.consecutiveGatewayErrors(), 0);
        f.atLeast(at + ".consecutiveLocalOriginFailures", od.consecutiveLocalOriginFailures(), 0);
        f.duration(at + ".interval", od.interval());
        f.duration(at + ".baseEjectionTime", od.baseEjectionTime());
        f.range(at + ".maxEjectionPercent", od.maxEjectionPercent(), 0, 100);
        f.range(at + ".minHealthPercent", od.minHealthPercent(), 0, 100);
    }

    private static void tls(Findings f, String at, DestinationRule.ClientTls tls) {
        if (tls == null) {
            return;
        }
        if (tls.mode() != null && !TLS_MODES.contains(tls.mode())) {
            f.error(at + ".mode", q(tls.mode()) + " (expected: one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL)");
        } else if (tls.mode() != null && !tls.mode().equals("DISABLE")) {
            f.warn(at + ".mode", q(tls.mode()) + " is accepted but not yet applied: clusters are plaintext");
        }
    }

    private static void gateway(Findings f, Gateway.Spec spec) {
        f.labels("spec.selector", spec.selector());
        if (spec.servers().isEmpty()) {
            f.error("spec.servers", "missing (expected: at least one server)");
        }
        Map<String, Integer> portNames = new HashMap<>();
        for (int i = 0; i < spec.servers().size(); i++) {
            Gateway.Server s = spec.servers().get(i);
            String at = "spec.servers[" + i + "]";
            if (s.port() == null) {
                f.error(at + ".port", "missing (expected: a port with number, protocol and name)");
            } else {
                if (s.port().number() == null) {
                    f.error(at + ".port.number", "missing (expected: 1..65535)");
                }
                f.port(at + ".port.number", s.port().number());
                String protocol = s.port().protocol();
                if (protocol == null || protocol.isEmpty()) {
                    f.error(at + ".port.protocol", "missing (expected: one of HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP, TLS)");
                } else if (!SERVER_PROTOCOLS.contains(protocol.toUpperCase())) {
                    f.error(at + ".port.protocol", q(protocol) + " (expected: one of HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP, TLS)");
                } else if (protocol.equalsIgnoreCase("HTTPS") && s.tls() == null) {
                    f.error(at + ".tls", "missing (expected: tls settings for an HTTPS server)");
                }
                if (s.port().name() != null && portNames.putIfAbsent(s.port().name(), i) != null) {
                    f.error(at + ".port.name", q(s.port().name()) + " (expected: unique port names, also used by spec.servers["
                            + portNames.get(s.port().name()) + "])");
                }
                if (s.tls() != null) {
                    f.warn(at + ".tls", "accepted but not yet applied: the gateway serves plaintext");
                }
            }
            if (s.hosts().isEmpty()) {
                f.error(at + ".hosts", "missing (expected: at least one host)");
            }
            for (int h = 0; h < s.hosts().size(); h++) {
                String host = s.hosts().get(h);
                int slash = host.indexOf('/');
                String name = slash < 0 ? host : host.substring(slash + 1);
                if (slash >= 0) {
                    String ns = host.substring(0, slash);
                    if (!ns.equals("*") && !ns.equals(".") && !ns.equals("~") && !Findings.DNS1123_LABEL.matcher(ns).matches()) {
                        f.error(at + ".hosts[" + h + "]", q(host) + " (expected: [namespace/]host with namespace *, . or a namespace name)");
                        continue;
                    }
                }
                f.host(at + ".hosts[" + h + "]", name, true);
            }
        }
    }

}
