package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.MeshSnapshot;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each invalid document is rejected with exactly one error naming the field and the expectation. */
class InvalidDocumentsTest {

    private static String vs(String spec) {
        return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: reviews\nspec:\n" + spec;
    }

    private static String dr(String spec) {
        return "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: reviews\nspec:\n" + spec;
    }

    private static String gw(String spec) {
        return "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n" + spec;
    }

    private static String fb(String spec) {
        return "apiVersion: policy.qmesh.io/v1alpha1\nkind: FallbackPolicy\nmetadata:\n  name: reviews-fallback\nspec:\n" + spec;
    }

    private static final String TARGET = "  targetRef: {group: \"\", kind: Service, name: reviews}\n";

    private static final String ROUTE = "    route:\n    - destination:\n        host: reviews\n";

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("negative weight", vs("""
                          hosts: [reviews]
                          http:
                          - route:
                            - destination: {host: reviews, subset: v1}
                              weight: 105
                            - destination: {host: reviews, subset: v3}
                              weight: -5
                        """), "spec.http[0].route[1].weight: -5 (expected: >= 0)"),
                Arguments.of("all weights zero", vs("""
                          hosts: [reviews]
                          http:
                          - route:
                            - destination: {host: reviews, subset: v1}
                              weight: 0
                            - destination: {host: reviews, subset: v3}
                              weight: 0
                        """), "spec.http[0].route: total weight 0 (expected: > 0 when there is more than one destination)"),
                Arguments.of("missing hosts", vs("""
                          http:
                          - route:
                            - destination: {host: reviews}
                        """), "spec.hosts: missing (expected: at least one host)"),
                Arguments.of("bad host", vs("""
                          hosts: [revi_ews]
                          http:
                          - route:
                            - destination: {host: reviews}
                        """), "spec.hosts[0]: \"revi_ews\" (expected: a DNS name, optionally starting with \"*.\")"),
                Arguments.of("star host bound to mesh", vs("""
                          hosts: ["*"]
                          http:
                          - route:
                            - destination: {host: reviews}
                        """), "spec.hosts[0]: \"*\" (expected: a host name; the wildcard * is only allowed with gateways)"),
                Arguments.of("no routes", vs("""
                          hosts: [reviews]
                        """), "spec: no routes (expected: at least one of http, tcp, tls)"),
                Arguments.of("no action", vs("""
                          hosts: [reviews]
                          http:
                          - timeout: 1s
                        """), "spec.http[0]: no action (expected: one of route, redirect, directResponse)"),
                Arguments.of("route and redirect", vs("""
                          hosts: [reviews]
                          http:
                          - redirect: {uri: /v2}
                        """ + ROUTE), "spec.http[0]: more than one action (expected: only one of route, redirect, directResponse)"),
                Arguments.of("rewrite with redirect", vs("""
                          hosts: [reviews]
                          http:
                          - redirect: {uri: /v2}
                            rewrite: {uri: /v3}
                        """), "spec.http[0].rewrite: set together with redirect (expected: rewrite only with route)"),
                Arguments.of("destination without host", vs("""
                          hosts: [reviews]
                          http:
                          - route:
                            - destination: {subset: v1}
                        """), "spec.http[0].route[0].destination.host: missing (expected: a host name such as reviews or reviews.default.svc.cluster.local)"),
                Arguments.of("route without destination", vs("""
                          hosts: [reviews]
                          http:
                          - route:
                            - weight: 100
                        """), "spec.http[0].route[0].destination: missing (expected: a destination with host)"),
                Arguments.of("bad subset name", vs("""
                          hosts: [reviews]
                          http:
                          - route:
                            - destination: {host: reviews, subset: V1}
                        """), "spec.http[0].route[0].destination.subset: \"V1\" (expected: a lowercase RFC 1123 label: a-z, 0-9 and '-', at most 63 characters)"),
                Arguments.of("destination port out of range", vs("""
                          hosts: [reviews]
                          http:
                          - route:
                            - destination: {host: reviews, port: {number: 70000}}
                        """), "spec.http[0].route[0].destination.port.number: 70000 (expected: 1..65535)"),
                Arguments.of("bad timeout", vs("""
                          hosts: [reviews]
                          http:
                          - timeout: 5 seconds
                        """ + ROUTE), "spec.http[0].timeout: \"5 seconds\" (expected: a duration like 10s, 0.5s, 100ms, 3m or 1h)"),
                Arguments.of("timeout below 1ms", vs("""
                          hosts: [reviews]
                          http:
                          - timeout: 0s
                        """ + ROUTE), "spec.http[0].timeout: \"0s\" (expected: a duration >= 1ms)"),
                Arguments.of("negative retry attempts", vs("""
                          hosts: [reviews]
                          http:
                          - retries: {attempts: -1}
                        """ + ROUTE), "spec.http[0].retries.attempts: -1 (expected: >= 0)"),
                Arguments.of("unknown retryOn", vs("""
                          hosts: [reviews]
                          http:
                          - retries: {attempts: 3, retryOn: "5xx,sometimes"}
                        """ + ROUTE), "spec.http[0].retries.retryOn: \"sometimes\" (expected: Envoy retry conditions such as 5xx,connect-failure or HTTP status codes)"),
                Arguments.of("bad uri regex", vs("""
                          hosts: [reviews]
                          http:
                          - match:
                            - uri: {regex: "/api/(v1"}
                        """ + ROUTE), "spec.http[0].match[0].uri.regex: \"/api/(v1\" (expected: an RE2 regular expression; missing closing ))"),
                Arguments.of("non-RE2 lookahead", vs("""
                          hosts: [reviews]
                          http:
                          - match:
                            - headers:
                                end-user: {regex: "(?!jason).*"}
                        """ + ROUTE), "spec.http[0].match[0].headers.end-user.regex: \"(?!jason).*\" (expected: an RE2 regular expression; invalid or unsupported Perl syntax)"),
                Arguments.of("uppercase header match", vs("""
                          hosts: [reviews]
                          http:
                          - match:
                            - headers:
                                End-User: {exact: jason}
                        """ + ROUTE), "spec.http[0].match[0].headers.End-User: uppercase header name (expected: lowercase)"),
                Arguments.of("two string match kinds", vs("""
                          hosts: [reviews]
                          http:
                          - match:
                            - uri: {exact: /a, prefix: /b}
                        """ + ROUTE), "spec.http[0].match[0].uri: more than one of exact, prefix, regex (expected: exactly one)"),
                Arguments.of("empty uri match", vs("""
                          hosts: [reviews]
                          http:
                          - match:
                            - uri: {}
                        """ + ROUTE), "spec.http[0].match[0].uri: empty (expected: one of exact, prefix, regex)"),
                Arguments.of("fault percentage above 100", vs("""
                          hosts: [reviews]
                          http:
                          - fault:
                              delay: {fixedDelay: 7s, percentage: {value: 120}}
                        """ + ROUTE), "spec.http[0].fault.delay.percentage.value: 120.0 (expected: 0..100)"),
                Arguments.of("fault delay without fixedDelay", vs("""
                          hosts: [reviews]
                          http:
                          - fault:
                              delay: {percentage: {value: 50}}
                        """ + ROUTE), "spec.http[0].fault.delay.fixedDelay: missing (expected: a duration like 7s)"),
                Arguments.of("abort status out of range", vs("""
                          hosts: [reviews]
                          http:
                          - fault:
                              abort: {httpStatus: 700, percentage: {value: 100}}
                        """ + ROUTE), "spec.http[0].fault.abort.httpStatus: 700 (expected: 200..599)"),
                Arguments.of("redirect code", vs("""
                          hosts: [reviews]
                          http:
                          - redirect: {uri: /v2, redirectCode: 200}
                        """), "spec.http[0].redirect.redirectCode: 200 (expected: one of 301, 302, 303, 307, 308)"),
                Arguments.of("direct response status", vs("""
                          hosts: [reviews]
                          http:
                          - directResponse: {status: 99}
                        """), "spec.http[0].directResponse.status: 99 (expected: 200..599)"),
                Arguments.of("duplicate route names", vs("""
                          hosts: [reviews]
                          http:
                          - name: r1
                            match: [{uri: {prefix: /a}}]
                            route: [{destination: {host: reviews}}]
                          - name: r1
                        """ + ROUTE), "spec.http[1].name: \"r1\" (expected: unique route names, also used by spec.http[0])"),
                Arguments.of("unknown field", vs("""
                          hosts: [reviews]
                          http:
                          - rout:
                            - destination: {host: reviews}
                        """), "spec.http[0].rout: unknown field (expected one of: corsPolicy, delegate, directResponse, fault, headers, match, mirror, mirrorPercent, mirrorPercentage, name, redirect, retries, rewrite, route, timeout)"),
                Arguments.of("weight not a number", vs("""
                          hosts: [reviews]
                          http:
                          - route:
                            - destination: {host: reviews}
                              weight: fifty
                        """), "spec.http[0].route[0].weight: \"fifty\" (expected: an integer)"),
                Arguments.of("mirror percentage", vs("""
                          hosts: [reviews]
                          http:
                          - mirror: {host: reviews, subset: v2}
                            mirrorPercentage: {value: -1}
                        """ + ROUTE), "spec.http[0].mirrorPercentage.value: -1.0 (expected: 0..100)"),
                Arguments.of("bad gateway reference", vs("""
                          hosts: [reviews]
                          gateways: [a/b/c]
                          http:
                          - route:
                            - destination: {host: reviews}
                        """), "spec.gateways[0]: \"a/b/c\" (expected: mesh, a gateway name, or namespace/name)"),
                Arguments.of("source labels value", vs("""
                          hosts: [reviews]
                          http:
                          - match:
                            - sourceLabels: {app: "product page"}
                        """ + ROUTE), "spec.http[0].match[0].sourceLabels.app: \"product page\" (expected: a label value: at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric)"),
                Arguments.of("header operation name", vs("""
                          hosts: [reviews]
                          http:
                          - headers:
                              request:
                                set: {"bad header": x}
                        """ + ROUTE), "spec.http[0].headers.request.set.bad header: \"bad header\" (expected: an HTTP header name)"),
                Arguments.of("DR missing host", dr("""
                          subsets: [{name: v1, labels: {version: v1}}]
                        """), "spec.host: missing (expected: a host name such as reviews or reviews.default.svc.cluster.local)"),
                Arguments.of("DR duplicate subset", dr("""
                          host: reviews
                          subsets:
                          - {name: v1, labels: {version: v1}}
                          - {name: v1, labels: {version: v2}}
                        """), "spec.subsets[1].name: \"v1\" (expected: unique subset names)"),
                Arguments.of("DR subset without name", dr("""
                          host: reviews
                          subsets:
                          - labels: {version: v1}
                        """), "spec.subsets[0].name: missing (expected: a lowercase RFC 1123 label)"),
                Arguments.of("DR bad subset label", dr("""
                          host: reviews
                          subsets:
                          - {name: v1, labels: {version: "v1!"}}
                        """), "spec.subsets[0].labels.version: \"v1!\" (expected: a label value: at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric)"),
                Arguments.of("DR lb simple", dr("""
                          host: reviews
                          trafficPolicy:
                            loadBalancer: {simple: FASTEST}
                        """), "spec.trafficPolicy.loadBalancer.simple: \"FASTEST\" (expected: one of LEAST_REQUEST, ROUND_ROBIN, RANDOM, PASSTHROUGH)"),
                Arguments.of("DR maxConnections zero", dr("""
                          host: reviews
                          trafficPolicy:
                            connectionPool: {tcp: {maxConnections: 0}}
                        """), "spec.trafficPolicy.connectionPool.tcp.maxConnections: 0 (expected: >= 1)"),
                Arguments.of("DR outlier interval", dr("""
                          host: reviews
                          trafficPolicy:
                            outlierDetection: {consecutive5xxErrors: 1, interval: 1 second}
                        """), "spec.trafficPolicy.outlierDetection.interval: \"1 second\" (expected: a duration like 10s, 0.5s, 100ms, 3m or 1h)"),
                Arguments.of("DR max ejection percent", dr("""
                          host: reviews
                          subsets:
                          - name: v1
                            labels: {version: v1}
                            trafficPolicy:
                              outlierDetection: {maxEjectionPercent: 101}
                        """), "spec.subsets[0].trafficPolicy.outlierDetection.maxEjectionPercent: 101 (expected: 0..100)"),
                Arguments.of("DR consistent hash keys", dr("""
                          host: reviews
                          trafficPolicy:
                            loadBalancer:
                              consistentHash: {httpHeaderName: x-user, useSourceIp: true}
                        """), "spec.trafficPolicy.loadBalancer.consistentHash: 2 hash keys (expected: exactly one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName)"),
                Arguments.of("DR duplicate port level", dr("""
                          host: reviews
                          trafficPolicy:
                            portLevelSettings:
                            - port: {number: 9080}
                              loadBalancer: {simple: RANDOM}
                            - port: {number: 9080}
                              loadBalancer: {simple: ROUND_ROBIN}
                        """), "spec.trafficPolicy.portLevelSettings[1].port.number: 9080 (expected: each port listed once)"),
                Arguments.of("DR tls mode", dr("""
                          host: reviews
                          trafficPolicy:
                            tls: {mode: STRICT}
                        """), "spec.trafficPolicy.tls.mode: \"STRICT\" (expected: one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL)"),
                Arguments.of("gateway without servers", gw("""
                          selector: {istio: ingressgateway}
                        """), "spec.servers: missing (expected: at least one server)"),
                Arguments.of("gateway port protocol", gw("""
                          selector: {istio: ingressgateway}
                          servers:
                          - port: {number: 8080, name: http, protocol: SMTP}
                            hosts: ["*"]
                        """), "spec.servers[0].port.protocol: \"SMTP\" (expected: one of HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP, TLS)"),
                Arguments.of("gateway without hosts", gw("""
                          selector: {istio: ingressgateway}
                          servers:
                          - port: {number: 8080, name: http, protocol: HTTP}
                        """), "spec.servers[0].hosts: missing (expected: at least one host)"),
                Arguments.of("gateway https without tls", gw("""
                          selector: {istio: ingressgateway}
                          servers:
                          - port: {number: 8443, name: https, protocol: HTTPS}
                            hosts: ["*"]
                        """), "spec.servers[0].tls: missing (expected: tls settings for an HTTPS server)"),
                Arguments.of("gateway port number", gw("""
                          selector: {istio: ingressgateway}
                          servers:
                          - port: {number: 0, name: http, protocol: HTTP}
                            hosts: ["*"]
                        """), "spec.servers[0].port.number: 0 (expected: 1..65535)"),
                Arguments.of("bad name", """
                        apiVersion: networking.istio.io/v1
                        kind: Gateway
                        metadata:
                          name: Bookinfo_Gateway
                        spec:
                          servers:
                          - port: {number: 8080, name: http, protocol: HTTP}
                            hosts: ["*"]
                        """, "metadata.name: \"Bookinfo_Gateway\" (expected: a lowercase RFC 1123 subdomain)"),
                Arguments.of("missing name", """
                        apiVersion: networking.istio.io/v1
                        kind: DestinationRule
                        metadata:
                          labels: {app: reviews}
                        spec:
                          host: reviews
                        """, "metadata.name: missing (expected: a lowercase RFC 1123 subdomain)"),
                Arguments.of("unknown kind", """
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: x}
                        spec: {}
                        """, "kind: \"ServiceEntry\" (expected: one of VirtualService, DestinationRule, Gateway, Sidecar, FallbackPolicy, RateLimitPolicy)"),
                Arguments.of("fallback without targetRef", fb("""
                          fallback:
                            destination: {host: reviews, subset: v1}
                        """), "spec.targetRef: missing (expected: {group: \"\", kind: Service, name: <service>})"),
                Arguments.of("fallback target kind", fb("""
                          targetRef: {group: "", kind: Deployment, name: reviews}
                          fallback:
                            destination: {host: reviews, subset: v1}
                        """), "spec.targetRef.kind: \"Deployment\" (expected: Service)"),
                Arguments.of("fallback target group", fb("""
                          targetRef: {group: apps, kind: Service, name: reviews}
                          fallback:
                            destination: {host: reviews, subset: v1}
                        """), "spec.targetRef.group: \"apps\" (expected: \"\", the core API group of Service)"),
                Arguments.of("fallback target port", fb("""
                          targetRef: {group: "", kind: Service, name: reviews, port: 70000}
                          fallback:
                            destination: {host: reviews, subset: v1}
                        """), "spec.targetRef.port: 70000 (expected: 1..65535)"),
                Arguments.of("fallback both kinds", fb(TARGET + """
                          fallback:
                            destination: {host: reviews, subset: v1}
                            response: {status: 200}
                        """), "spec.fallback: both destination and response (expected: exactly one of them)"),
                Arguments.of("fallback missing", fb(TARGET), "spec.fallback: missing (expected: an object with destination or response)"),
                Arguments.of("fallback bad subset", fb(TARGET + """
                          fallback:
                            destination: {host: reviews, subset: V1}
                        """), "spec.fallback.destination.subset: \"V1\" (expected: a lowercase RFC 1123 label: a-z, 0-9 and '-', at most 63 characters)"),
                Arguments.of("fallback response status", fb(TARGET + """
                          fallback:
                            response: {status: 99, body: degraded}
                        """), "spec.fallback.response.status: 99 (expected: 200..599)"),
                Arguments.of("fallback response header", fb(TARGET + """
                          fallback:
                            response:
                              status: 200
                              headers: {"bad header": x}
                        """), "spec.fallback.response.headers.bad header: \"bad header\" (expected: an HTTP header name)"),
                Arguments.of("fallback unknown condition", fb(TARGET + """
                          conditions: [NoHealthyUpstream, Flaky]
                          fallback:
                            response: {status: 200}
                        """), "spec.conditions[1]: \"Flaky\" (expected: one of NoHealthyUpstream, ConnectFailure, Overflow, ServerError, Timeout)"),
                Arguments.of("fallback overflow listed twice", fb(TARGET + """
                          conditions: [NoHealthyUpstream, Overflow, Overflow]
                          fallback:
                            destination: {host: reviews, subset: v1}
                        """), "spec.conditions[2]: \"Overflow\" (expected: each condition listed once)"),
                Arguments.of("fallback timeout without timeout", fb(TARGET + """
                          conditions: [NoHealthyUpstream, Timeout]
                          fallback:
                            destination: {host: reviews, subset: v1}
                        """), "spec.conditions[1]: \"Timeout\" (expected: spec.timeout set to how long the target may take before the fallback)"),
                Arguments.of("fallback destination without NoHealthyUpstream", fb(TARGET + """
                          conditions: [ServerError]
                          fallback:
                            destination: {host: reviews, subset: v1}
                        """), "spec.conditions: [ServerError] (expected: NoHealthyUpstream among them for a destination fallback: its aggregate cluster always moves load to the fallback as the target's endpoints fail)"),
                Arguments.of("fallback timeout with response", fb(TARGET + """
                          timeout: 1s
                          fallback:
                            response: {status: 200}
                        """), "spec.timeout: \"1s\" (expected: unset for a response fallback, which serves the route's own timeout; set it only with a destination fallback)"),
                Arguments.of("fallback unknown field", fb(TARGET + """
                          fallback:
                            destination: {host: reviews, version: v1}
                        """), "spec.fallback.destination.version: unknown field (expected one of: host, port, subset)"),
                Arguments.of("fallback wrong apiVersion", """
                        apiVersion: networking.istio.io/v1
                        kind: FallbackPolicy
                        metadata: {name: x}
                        spec: {}
                        """, "apiVersion: \"networking.istio.io/v1\" (expected: policy.qmesh.io/v1alpha1)"),
                Arguments.of("unknown apiVersion", """
                        apiVersion: networking.istio.io/v2
                        kind: VirtualService
                        metadata: {name: x}
                        spec: {hosts: [x]}
                        """, "apiVersion: \"networking.istio.io/v2\" (expected: networking.istio.io/v1, networking.istio.io/v1beta1, networking.istio.io/v1alpha3)"),
                Arguments.of("missing spec", """
                        apiVersion: networking.istio.io/v1
                        kind: VirtualService
                        metadata: {name: x}
                        """, "spec: missing (expected: an object)"));
    }

    private static String rl(String spec) {
        return "apiVersion: policy.qmesh.io/v1alpha1\nkind: RateLimitPolicy\nmetadata:\n  name: productpage\nspec:\n" + spec;
    }

    private static final String RL_TARGET = "  targetRef: {group: \"\", kind: Service, name: productpage}\n";

    static Stream<Arguments> rateLimitPolicyCases() {
        return Stream.of(
                Arguments.of("rate limit without target", rl("""
                          limit: {requests: 10, unit: MINUTE}
                        """), "spec.targetRef: missing (expected: {kind: Service, name: <service in this namespace>})"),
                Arguments.of("rate limit target kind", rl("""
                          targetRef: {kind: Deployment, name: productpage}
                          limit: {requests: 10, unit: MINUTE}
                        """), "spec.targetRef.kind: \"Deployment\" (expected: Service)"),
                Arguments.of("rate limit target group", rl("""
                          targetRef: {group: apps, kind: Service, name: productpage}
                          limit: {requests: 10, unit: MINUTE}
                        """), "spec.targetRef.group: \"apps\" (expected: \"\", the core API group of Service)"),
                Arguments.of("rate limit target name", rl("""
                          targetRef: {kind: Service, name: Product_Page}
                          limit: {requests: 10, unit: MINUTE}
                        """), "spec.targetRef.name: \"Product_Page\" (expected: a lowercase RFC 1123 label: a-z, 0-9 and '-', at most 63 characters)"),
                Arguments.of("rate limit port and section", rl("""
                          targetRef: {kind: Service, name: productpage, port: 9080, sectionName: http}
                          limit: {requests: 10, unit: MINUTE}
                        """), "spec.targetRef: both sectionName and port (expected: at most one of them)"),
                Arguments.of("rate limit target port", rl("""
                          targetRef: {kind: Service, name: productpage, port: 70000}
                          limit: {requests: 10, unit: MINUTE}
                        """), "spec.targetRef.port: 70000 (expected: 1..65535)"),
                Arguments.of("rate limit without limit", rl(RL_TARGET), "spec.limit: missing (expected: a limit, at least one descriptor, or both)"),
                Arguments.of("rate limit zero requests", rl(RL_TARGET + """
                          limit: {requests: 0, unit: MINUTE}
                        """), "spec.limit.requests: 0 (expected: 1..4294967295)"),
                Arguments.of("rate limit unit", rl(RL_TARGET + """
                          limit: {requests: 10, unit: DAY}
                        """), "spec.limit.unit: \"DAY\" (expected: SECOND, MINUTE or HOUR)"),
                Arguments.of("rate limit without unit", rl(RL_TARGET + """
                          limit: {requests: 10}
                        """), "spec.limit.unit: missing (expected: SECOND, MINUTE or HOUR)"),
                Arguments.of("rate limit burst", rl(RL_TARGET + """
                          limit: {requests: 10, unit: SECOND, burst: 4294967296}
                        """), "spec.limit.burst: 4294967296 (expected: 1..4294967295)"),
                Arguments.of("rate limit unknown field", rl(RL_TARGET + """
                          limit: {requests: 10, unit: SECOND, rps: 5}
                        """), "spec.limit.rps: unknown field (expected one of: burst, requests, unit)"),
                Arguments.of("rate limit descriptor without headers", rl(RL_TARGET + """
                          descriptors:
                          - limit: {requests: 10, unit: MINUTE}
                        """), "spec.descriptors[0].headers: missing (expected: at least one header {name, optional value})"),
                Arguments.of("rate limit descriptor without limit", rl(RL_TARGET + """
                          descriptors:
                          - headers: [{name: end-user}]
                        """), "spec.descriptors[0].limit: missing (expected: {requests, unit})"),
                Arguments.of("rate limit descriptor header twice", rl(RL_TARGET + """
                          descriptors:
                          - headers: [{name: end-user}, {name: End-User, value: jason}]
                            limit: {requests: 10, unit: MINUTE}
                        """), "spec.descriptors[0].headers[1].name: \"End-User\" (expected: each header once, also used by spec.descriptors[0].headers[0])"),
                Arguments.of("rate limit descriptor header name", rl(RL_TARGET + """
                          descriptors:
                          - headers: [{name: "end user"}]
                            limit: {requests: 10, unit: MINUTE}
                        """), "spec.descriptors[0].headers[0].name: \"end user\" (expected: an HTTP header name)"),
                Arguments.of("rate limit duplicate descriptor", rl(RL_TARGET + """
                          descriptors:
                          - headers: [{name: end-user, value: jason}]
                            limit: {requests: 10, unit: MINUTE}
                          - headers: [{name: end-user, value: jason}]
                            limit: {requests: 5, unit: MINUTE}
                        """), "spec.descriptors[1].headers: the same headers and values as an earlier descriptor (expected: each descriptor once)"),
                Arguments.of("rate limit descriptor unit shorter than the limit", rl(RL_TARGET + """
                          limit: {requests: 100, unit: MINUTE}
                          descriptors:
                          - headers: [{name: end-user}]
                            limit: {requests: 1, unit: SECOND}
                        """), "spec.descriptors[0].limit.unit: \"SECOND\" (expected: spec.limit.unit or longer: Envoy needs a "
                        + "descriptor's fill interval to be a multiple of the default bucket's)"),
                Arguments.of("rate limit response header value", rl(RL_TARGET + """
                          limit: {requests: 10, unit: MINUTE}
                          responseHeaders: [{name: retry-after}]
                        """), "spec.responseHeaders[0].value: missing (expected: a header value)"),
                Arguments.of("rate limit too many response headers", rl(RL_TARGET + """
                          limit: {requests: 10, unit: MINUTE}
                          responseHeaders: [{name: a, value: "1"}, {name: b, value: "1"}, {name: c, value: "1"},
                            {name: d, value: "1"}, {name: e, value: "1"}, {name: f, value: "1"}, {name: g, value: "1"},
                            {name: h, value: "1"}, {name: i, value: "1"}, {name: j, value: "1"}]
                        """), "spec.responseHeaders: 10 headers (expected: at most 9; x-local-rate-limit is always added and Envoy takes ten)"),
                Arguments.of("rate limit apiVersion", """
                        apiVersion: policy.qmesh.io/v1
                        kind: RateLimitPolicy
                        metadata: {name: productpage}
                        spec: {targetRef: {kind: Service, name: productpage}, limit: {requests: 1, unit: SECOND}}
                        """, "apiVersion: \"policy.qmesh.io/v1\" (expected: policy.qmesh.io/v1alpha1)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"cases", "rateLimitPolicyCases"})
    void rejectsWithExactPathAndMessage(String name, String yaml, String expected) {
        RuleStore store = new RuleStore(RuleStorage.inMemory(), Clock.systemUTC());
        RuleService service = new RuleService(store, () -> MeshSnapshot.EMPTY, List::of);

        RuleService.Result result = service.apply(yaml, "default");

        assertFalse(result.ok());
        RuleService.ObjectResult object = result.objects().get(0);
        assertEquals("rejected", object.result());
        assertEquals(List.of(expected), object.errors().stream().map(FieldError::toString).toList());
        assertTrue(store.all().isEmpty(), "a rejected document changes nothing");
    }

    @org.junit.jupiter.api.Test
    void hasAtLeastThirtyCases() {
        assertTrue(cases().count() >= 30);
    }
}
