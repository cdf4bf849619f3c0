package io.qmesh.pilot.xds;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.qmesh.pilot.model.Durations;
import io.qmesh.pilot.model.Hostnames;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.istio.DestinationRule;
import io.qmesh.pilot.model.istio.StringMatch;
import io.qmesh.pilot.model.istio.VirtualService;
import io.qmesh.pilot.model.istio.VirtualService.HttpMatchRequest;
import io.qmesh.pilot.model.istio.VirtualService.HttpRoute;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One VirtualService HTTP route to Envoy routes: one Envoy route per match block (blocks are ORed, and
 * Envoy routes are tried in order, so first-match-wins carries over), each with the same action.
 */
final class HttpRouteBuilder {
    static final String FAULT_FILTER = "envoy.filters.http.fault";
    /** Istio's default retry policy when a route says nothing about retries. */
    static final String DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

    private HttpRouteBuilder() {
    }

    static List<Route> build(RouteContext ctx, String vsNamespace, HttpRoute r) {
        List<RouteMatch> matches = new ArrayList<>();
        if (r.match().isEmpty()) {
            matches.add(RouteMatch.newBuilder().setPrefix("/").build());
        }
        for (HttpMatchRequest m : r.match()) {
            if (applies(ctx, m)) {
                matches.add(match(m));
            }
        }
        List<Route> out = new ArrayList<>();
        for (RouteMatch m : matches) {
            Route.Builder b = Route.newBuilder().setMatch(m);
            if (r.name() != null) {
                b.setName(r.name());
            }
            action(ctx, vsNamespace, r, b);
            out.add(b.build());
        }
        return out;
    }

    /** The default route of a service port without a VirtualService. */
    static Route defaultRoute(String cluster) {
        return Route.newBuilder()
                .setName("default")
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder()
                        .setCluster(cluster)
                        .setTimeout(Protos.seconds(0))
                        .setRetryPolicy(retryPolicy(null)))
                .build();
    }

    private static boolean applies(RouteContext ctx, HttpMatchRequest m) {
        if (m.port() != null && m.port() != ctx.port()) {
            return false;
        }
        if (!m.gateways().isEmpty() && m.gateways().stream().noneMatch(ctx.gateways()::contains)) {
            return false;
        }
        for (Map.Entry<String, String> e : m.sourceLabels().entrySet()) {
            if (!e.getValue().equals(ctx.proxy().labels().get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    static RouteMatch match(HttpMatchRequest m) {
        RouteMatch.Builder b = RouteMatch.newBuilder();
        StringMatch uri = m.uri();
        if (uri == null || uri.presenceOnly()) {
            b.setPrefix("/");
        } else if (uri.exact() != null) {
            b.setPath(uri.exact());
        } else if (uri.prefix() != null) {
            b.setPrefix(uri.prefix());
        } else {
            b.setSafeRegex(RegexMatcher.newBuilder().setRegex(uri.regex()));
        }
        if (Boolean.TRUE.equals(m.ignoreUriCase())) {
            b.setCaseSensitive(com.google.protobuf.BoolValue.of(false));
        }
        new TreeMap<>(m.headers()).forEach((name, v) -> b.addHeaders(header(name, v, false)));
        new TreeMap<>(m.withoutHeaders()).forEach((name, v) -> b.addHeaders(header(name, v, true)));
        if (m.method() != null) {
            b.addHeaders(header(":method", m.method(), false));
        }
        if (m.authority() != null) {
            b.addHeaders(header(":authority", m.authority(), false));
        }
        if (m.scheme() != null) {
            b.addHeaders(header(":scheme", m.scheme(), false));
        }
        new TreeMap<>(m.queryParams()).forEach((name, v) -> {
            QueryParameterMatcher.Builder q = QueryParameterMatcher.newBuilder().setName(name);
            if (v.presenceOnly()) {
                q.setPresentMatch(true);
            } else {
                q.setStringMatch(string(v));
            }
            b.addQueryParameters(q);
        });
        return b.build();
    }

    private static HeaderMatcher header(String name, StringMatch v, boolean invert) {
        HeaderMatcher.Builder h = HeaderMatcher.newBuilder().setName(name).setInvertMatch(invert);
        if (v == null || v.presenceOnly()) {
            h.setPresentMatch(true);
        } else {
            h.setStringMatch(string(v));
        }
        return h.build();
    }

    private static StringMatcher string(StringMatch v) {
        if (v.exact() != null) {
            return StringMatcher.newBuilder().setExact(v.exact()).build();
        }
        if (v.prefix() != null) {
            return StringMatcher.newBuilder().setPrefix(v.prefix()).build();
        }
        return StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(v.regex())).build();
    }

    private static void action(RouteContext ctx, String ns, HttpRoute r, Route.Builder b) {
        if (r.redirect() != null) {
            b.setRedirect(redirect(r.redirect()));
        } else if (r.directResponse() != null) {
            DirectResponseAction.Builder d = DirectResponseAction.newBuilder().setStatus(r.directResponse().status());
            VirtualService.Body body = r.directResponse().body();
            if (body != null && body.string() != null) {
                d.setBody(DataSource.newBuilder().setInlineString(body.string()));
            } else if (body != null && body.bytes() != null) {
                d.setBody(DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(Base64.getDecoder().decode(body.bytes()))));
            }
            b.setDirectResponse(d);
        } else {
            b.setRoute(routeAction(ctx, ns, r));
        }
        if (r.fault() != null) {
            b.putTypedPerFilterConfig(FAULT_FILTER, Protos.any(fault(r.fault())));
        }
        if (r.headers() != null) {
            VirtualService.HeaderOperations req = r.headers().request();
            VirtualService.HeaderOperations resp = r.headers().response();
            if (req != null) {
                b.addAllRequestHeadersToAdd(headerOps(req)).addAllRequestHeadersToRemove(req.remove());
            }
            if (resp != null) {
                b.addAllResponseHeadersToAdd(headerOps(resp)).addAllResponseHeadersToRemove(resp.remove());
            }
        }
    }

    private static RouteAction routeAction(RouteContext ctx, String ns, HttpRoute r) {
        RouteAction.Builder a = RouteAction.newBuilder();
        if (r.route().size() == 1) {
            a.setCluster(cluster(ctx, ns, r.route().get(0).destination()));
        } else {
            WeightedCluster.Builder w = WeightedCluster.newBuilder();
            for (VirtualService.RouteDestination d : r.route()) {
                int weight = d.weight() == null ? 0 : d.weight();
                if (weight == 0) {
                    continue;
                }
                WeightedCluster.ClusterWeight.Builder cw = WeightedCluster.ClusterWeight.newBuilder()
                        .setName(cluster(ctx, ns, d.destination()))
                        .setWeight(Protos.u32(weight));
                if (d.headers() != null && d.headers().request() != null) {
                    cw.addAllRequestHeadersToAdd(headerOps(d.headers().request()))
                            .addAllRequestHeadersToRemove(d.headers().request().remove());
                }
                if (d.headers() != null && d.headers().response() != null) {
                    cw.addAllResponseHeadersToAdd(headerOps(d.headers().response()))
                            .addAllResponseHeadersToRemove(d.headers().response().remove());
                }
                w.addClusters(cw);
            }
            a.setWeightedClusters(w);
        }
        // Istio applies no timeout or retries on a route that injects faults: the fault is the test.
        if (r.fault() == null) {
            a.setTimeout(r.timeout() == null ? Protos.seconds(0) : Protos.duration(Durations.parse(r.timeout())));
            RetryPolicy retry = retryPolicy(r.retries());
            if (retry != null) {
                a.setRetryPolicy(retry);
            }
        } else {
            a.setTimeout(Protos.seconds(0));
        }
        if (r.rewrite() != null) {
            if (r.rewrite().uri() != null) {
                a.setPrefixRewrite(r.rewrite().uri());
            }
            if (r.rewrite().uriRegexRewrite() != null) {
                a.setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
                        .setPattern(RegexMatcher.newBuilder().setRegex(r.rewrite().uriRegexRewrite().match()))
                        .setSubstitution(r.rewrite().uriRegexRewrite().rewrite() == null ? "" : r.rewrite().uriRegexRewrite().rewrite()));
            }
            if (r.rewrite().authority() != null) {
                a.setHostRewriteLiteral(r.rewrite().authority());
            }
        }
        if (r.mirror() != null) {
            double pct = r.mirrorPercentage() != null && r.mirrorPercentage().value() != null ? r.mirrorPercentage().value()
                    : r.mirrorPercent() != null ? r.mirrorPercent() : 100.0;
            a.addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
                    .setCluster(cluster(ctx, ns, r.mirror()))
                    .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(Protos.percent(pct))));
        }
        hashPolicy(ctx, ns, r).ifPresent(a::addHashPolicy);
        return a.build();
    }

    /** {@code outbound|port|subset|host}; the port is the destination's, else the service's only port, else the listener's. */
    static String cluster(RouteContext ctx, String ns, VirtualService.Destination d) {
        String host = Hostnames.resolve(d.host(), ns);
        int port = ctx.port();
        if (d.port() != null && d.port().number() != null) {
            port = d.port().number();
        } else {
            Optional<Service> s = ctx.snapshot().service(host);
            if (s.isPresent() && s.get().ports().size() == 1) {
                port = s.get().ports().get(0).port();
            }
        }
        return ClusterNames.outbound(port, d.subset(), host);
    }

    /** Consistent-hash load balancing needs the route to say what to hash: Istio takes it from the DestinationRule. */
    private static Optional<RouteAction.HashPolicy> hashPolicy(RouteContext ctx, String ns, HttpRoute r) {
        if (r.route().isEmpty() || r.route().get(0).destination() == null) {
            return Optional.empty();
        }
        VirtualService.Destination d = r.route().get(0).destination();
        String host = Hostnames.resolve(d.host(), ns);
        String serviceNs = ctx.snapshot().service(host).map(Service::namespace).orElse(ns);
        Optional<DestinationRule> dr = ctx.snapshot().rules().destinationRuleFor(host, serviceNs);
        if (dr.isEmpty()) {
            return Optional.empty();
        }
        DestinationRule.Subset subset = dr.get().spec().subsets().stream()
                .filter(s -> s.name().equals(d.subset())).findFirst().orElse(null);
        int port = d.port() != null && d.port().number() != null ? d.port().number() : ctx.port();
        TrafficPolicy p = TrafficPolicy.forCluster(dr.get(), subset, port);
        if (p.loadBalancer() == null || p.loadBalancer().consistentHash() == null) {
            return Optional.empty();
        }
        return Optional.of(hashPolicy(p.loadBalancer().consistentHash()));
    }

    static RouteAction.HashPolicy hashPolicy(DestinationRule.ConsistentHash ch) {
        RouteAction.HashPolicy.Builder h = RouteAction.HashPolicy.newBuilder();
        if (ch.httpHeaderName() != null) {
            h.setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(ch.httpHeaderName()));
        } else if (ch.httpCookie() != null) {
            RouteAction.HashPolicy.Cookie.Builder c = RouteAction.HashPolicy.Cookie.newBuilder().setName(ch.httpCookie().name());
            if (ch.httpCookie().path() != null) {
                c.setPath(ch.httpCookie().path());
            }
            if (ch.httpCookie().ttl() != null) {
                c.setTtl(Protos.duration(Durations.parse(ch.httpCookie().ttl())));
            }
            h.setCookie(c);
        } else if (ch.httpQueryParameterName() != null) {
            h.setQueryParameter(RouteAction.HashPolicy.QueryParameter.newBuilder().setName(ch.httpQueryParameterName()));
        } else {
            h.setConnectionProperties(RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true));
        }
        return h.build();
    }

    static RetryPolicy retryPolicy(VirtualService.Retry retry) {
        if (retry != null && retry.attempts() != null && retry.attempts() == 0) {
            return null;
        }
        RetryPolicy.Builder b = RetryPolicy.newBuilder()
                .setNumRetries(Protos.u32(retry != null && retry.attempts() != null ? retry.attempts() : 2))
                .addRetryHostPredicate(previousHosts())
                .setHostSelectionRetryMaxAttempts(5);
        String retryOn = retry != null && retry.retryOn() != null ? retry.retryOn() : DEFAULT_RETRY_ON;
        List<String> conditions = new ArrayList<>();
        boolean statusCodes = false;
        for (String c : retryOn.split(",")) {
            String cond = c.trim();
            if (cond.matches("\\d{3}")) {
                b.addRetriableStatusCodes(Integer.parseInt(cond));
                statusCodes = true;
            } else if (!cond.isEmpty()) {
                conditions.add(cond);
            }
        }
        if (retry == null || retry.retryOn() == null) {
            b.addRetriableStatusCodes(503);
        }
        if (statusCodes && !conditions.contains("retriable-status-codes")) {
            conditions.add("retriable-status-codes");
        }
        b.setRetryOn(String.join(",", conditions));
        if (retry != null && retry.perTryTimeout() != null) {
            b.setPerTryTimeout(Protos.duration(Durations.parse(retry.perTryTimeout())));
        }
        return b.build();
    }

    private static RetryPolicy.RetryHostPredicate previousHosts() {
        return RetryPolicy.RetryHostPredicate.newBuilder()
                .setName("envoy.retry_host_predicates.previous_hosts")
                .setTypedConfig(Protos.any(PreviousHostsPredicate.getDefaultInstance()))
                .build();
    }

    private static HTTPFault fault(VirtualService.FaultInjection f) {
        HTTPFault.Builder b = HTTPFault.newBuilder();
        if (f.delay() != null) {
            double pct = f.delay().percentage() != null && f.delay().percentage().value() != null
                    ? f.delay().percentage().value() : f.delay().percent() != null ? f.delay().percent() : 100.0;
            b.setDelay(FaultDelay.newBuilder()
                    .setFixedDelay(Protos.duration(Durations.parse(f.delay().fixedDelay())))
                    .setPercentage(Protos.percent(pct)));
        }
        if (f.abort() != null) {
            double pct = f.abort().percentage() != null && f.abort().percentage().value() != null
                    ? f.abort().percentage().value() : 100.0;
            b.setAbort(FaultAbort.newBuilder().setHttpStatus(f.abort().httpStatus()).setPercentage(Protos.percent(pct)));
        }
        return b.build();
    }

    private static RedirectAction redirect(VirtualService.Redirect r) {
        RedirectAction.Builder b = RedirectAction.newBuilder();
        if (r.uri() != null) {
            b.setPathRedirect(r.uri());
        }
        if (r.authority() != null) {
            b.setHostRedirect(r.authority());
        }
        if (r.port() != null) {
            b.setPortRedirect(r.port());
        }
        if (r.scheme() != null) {
            b.setSchemeRedirect(r.scheme());
        }
        int code = r.redirectCode() == null ? 301 : r.redirectCode();
        b.setResponseCode(switch (code) {
            case 302 -> RedirectAction.RedirectResponseCode.FOUND;
            case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
            case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
            case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
            default -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
        });
        return b.build();
    }

    private static List<HeaderValueOption> headerOps(VirtualService.HeaderOperations ops) {
        List<HeaderValueOption> out = new ArrayList<>();
        new TreeMap<>(ops.set()).forEach((k, v) -> out.add(HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(k).setValue(v))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD).build()));
        new TreeMap<>(ops.add()).forEach((k, v) -> out.add(HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(k).setValue(v))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD).build()));
        return out;
    }
}
