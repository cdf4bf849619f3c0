package io.qmesh.pilot.model.istio;

import java.util.List;
import java.util.Map;

/** {@code networking.istio.io/v1 VirtualService}. Nested records mirror istio/api's message names. */
public record VirtualService(ConfigMeta metadata, Spec spec) implements IstioConfig {

    @Override
    public ConfigKind kind() {
        return ConfigKind.VIRTUAL_SERVICE;
    }

    @Override
    public VirtualService withMetadata(ConfigMeta value) {
        return new VirtualService(value, spec);
    }

    public record Spec(List<String> hosts, List<String> gateways, List<HttpRoute> http,
                       List<Map<String, Object>> tcp, List<Map<String, Object>> tls, List<String> exportTo) {
        public Spec {
            hosts = hosts == null ? List.of() : hosts;
            gateways = gateways == null ? List.of() : gateways;
            http = http == null ? List.of() : http;
            tcp = tcp == null ? List.of() : tcp;
            tls = tls == null ? List.of() : tls;
            exportTo = exportTo == null ? List.of() : exportTo;
        }
    }

    public record HttpRoute(String name, List<HttpMatchRequest> match, List<RouteDestination> route,
                            Redirect redirect, DirectResponse directResponse, Rewrite rewrite, String timeout,
                            Retry retries, FaultInjection fault, Destination mirror, Percent mirrorPercentage,
                            Integer mirrorPercent, Map<String, Object> corsPolicy, Headers headers,
                            Map<String, Object> delegate) {
        public HttpRoute {
            match = match == null ? List.of() : match;
            route = route == null ? List.of() : route;
        }
    }

    public record HttpMatchRequest(String name, StringMatch uri, StringMatch scheme, StringMatch method,
                                   StringMatch authority, Map<String, StringMatch> headers, Integer port,
                                   Map<String, String> sourceLabels, List<String> gateways,
                                   Map<String, StringMatch> queryParams, Boolean ignoreUriCase,
                                   Map<String, StringMatch> withoutHeaders, String sourceNamespace,
                                   String statPrefix) {
        public HttpMatchRequest {
            headers = headers == null ? Map.of() : headers;
            sourceLabels = sourceLabels == null ? Map.of() : sourceLabels;
            gateways = gateways == null ? List.of() : gateways;
            queryParams = queryParams == null ? Map.of() : queryParams;
            withoutHeaders = withoutHeaders == null ? Map.of() : withoutHeaders;
        }
    }

    public record RouteDestination(Destination destination, Integer weight, Headers headers) {
    }

    public record Destination(String host, String subset, PortSelector port) {
    }

    public record Headers(HeaderOperations request, HeaderOperations response) {
    }

    public record HeaderOperations(Map<String, String> set, Map<String, String> add, List<String> remove) {
        public HeaderOperations {
            set = set == null ? Map.of() : set;
            add = add == null ? Map.of() : add;
            remove = remove == null ? List.of() : remove;
        }
    }

    public record Redirect(String uri, String authority, Integer port, String derivePort, String scheme,
                           Integer redirectCode) {
    }

    public record DirectResponse(Integer status, Body body) {
    }

    public record Body(String string, String bytes) {
    }

    public record Rewrite(String uri, String authority, RegexRewrite uriRegexRewrite) {
    }

    public record RegexRewrite(String match, String rewrite) {
    }

    public record Retry(Integer attempts, String perTryTimeout, String retryOn, Boolean retryRemoteLocalities) {
    }

    public record FaultInjection(Delay delay, Abort abort) {
    }

    public record Delay(String fixedDelay, String exponentialDelay, Percent percentage, Integer percent) {
    }

    public record Abort(Integer httpStatus, String grpcStatus, String http2Error, Percent percentage) {
    }
}
