package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.istio.StringMatch;
import io.qmesh.pilot.model.istio.VirtualService;
import io.qmesh.pilot.model.istio.VirtualService.HttpMatchRequest;
import io.qmesh.pilot.model.istio.VirtualService.HttpRoute;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.qmesh.pilot.rules.Findings.q;

/** Istio's VirtualService validation: hosts, gateways, and each HTTP route's matches and actions. */
final class VirtualServiceValidator {
    private static final Set<String> RETRY_ON = Set.of("5xx", "gateway-error", "reset", "connect-failure",
            "envoy-ratelimited", "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers",
            "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
            "http3-post-connect-failure", "reset-before-request");
    private static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);

    private VirtualServiceValidator() {
    }

    static void validate(Findings f, VirtualService.Spec spec) {
        boolean meshBound = spec.gateways().isEmpty() || spec.gateways().contains("mesh");
        if (spec.hosts().isEmpty()) {
            f.error("spec.hosts", "missing (expected: at least one host)");
        }
        for (int i = 0; i < spec.hosts().size(); i++) {
            f.host("spec.hosts[" + i + "]", spec.hosts().get(i), !meshBound);
        }
        for (int i = 0; i < spec.gateways().size(); i++) {
            String g = spec.gateways().get(i);
            String at = "spec.gateways[" + i + "]";
            if (g == null || g.isEmpty()) {
                f.error(at, "missing (expected: mesh, a gateway name, or namespace/name)");
                continue;
            }
            String[] parts = g.split("/", -1);
            boolean ok = parts.length <= 2;
            for (String p : parts) {
                ok &= Findings.DNS1123_SUBDOMAIN.matcher(p).matches();
            }
            if (!ok) {
                f.error(at, q(g) + " (expected: mesh, a gateway name, or namespace/name)");
            }
        }
        if (spec.http().isEmpty() && spec.tcp().isEmpty() && spec.tls().isEmpty()) {
            f.error("spec", "no routes (expected: at least one of http, tcp, tls)");
        }
        if (!spec.tcp().isEmpty()) {
            f.warn("spec.tcp", "accepted but not translated: this pilot version routes HTTP only");
        }
        if (!spec.tls().isEmpty()) {
            f.warn("spec.tls", "accepted but not translated: this pilot version routes HTTP only");
        }
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < spec.http().size(); i++) {
            HttpRoute r = spec.http().get(i);
            String at = "spec.http[" + i + "]";
            if (r.name() != null && names.putIfAbsent(r.name(), i) != null) {
                f.error(at + ".name", q(r.name()) + " (expected: unique route names, also used by spec.http["
                        + names.get(r.name()) + "])");
            }
            route(f, at, r);
            if (r.match().isEmpty() && i < spec.http().size() - 1) {
                f.warn(at, "has no match, so it catches every request and the routes after it are never used");
            }
        }
    }

    private static void route(Findings f, String at, HttpRoute r) {
        int actions = (r.route().isEmpty() ? 0 : 1) + (r.redirect() == null ? 0 : 1)
                + (r.directResponse() == null ? 0 : 1) + (r.delegate() == null ? 0 : 1);
        if (actions == 0) {
            f.error(at, "no action (expected: one of route, redirect, directResponse)");
        } else if (actions > 1) {
            f.error(at, "more than one action (expected: only one of route, redirect, directResponse)");
        }
        if (r.delegate() != null) {
            f.error(at + ".delegate", "not supported (expected: route, redirect or directResponse)");
        }
        if (r.rewrite() != null && r.redirect() != null) {
            f.error(at + ".rewrite", "set together with redirect (expected: rewrite only with route)");
        }
        for (int m = 0; m < r.match().size(); m++) {
            match(f, at + ".match[" + m + "]", r.match().get(m));
        }
        destinations(f, at, r.route());
        if (r.redirect() != null) {
            redirect(f, at + ".redirect", r.redirect());
        }
        if (r.directResponse() != null) {
            f.required(at + ".directResponse.status", r.directResponse().status(), "an HTTP status 200..599");
            f.range(at + ".directResponse.status", r.directResponse().status(), 200, 599);
            if (r.directResponse().body() != null && r.directResponse().body().string() != null
                    && r.directResponse().body().bytes() != null) {
                f.error(at + ".directResponse.body", "both string and bytes (expected: one of them)");
            }
        }
        if (r.rewrite() != null) {
            if (r.rewrite().uri() != null && r.rewrite().uriRegexRewrite() != null) {
                f.error(at + ".rewrite", "both uri and uriRegexRewrite (expected: one of them)");
            }
            if (r.rewrite().uriRegexRewrite() != null) {
                f.required(at + ".rewrite.uriRegexRewrite.match", r.rewrite().uriRegexRewrite().match(), "an RE2 regular expression");
                f.regex(at + ".rewrite.uriRegexRewrite.match", r.rewrite().uriRegexRewrite().match());
            }
        }
        f.duration(at + ".timeout", r.timeout());
        if (r.retries() != null) {
            f.atLeast(at + ".retries.attempts", r.retries().attempts(), 0);
            f.duration(at + ".retries.perTryTimeout", r.retries().perTryTimeout());
            if (r.retries().retryOn() != null) {
                for (String cond : r.retries().retryOn().split(",")) {
                    String c = cond.trim();
                    if (!RETRY_ON.contains(c) && !c.matches("[1-5][0-9][0-9]")) {
                        f.error(at + ".retries.retryOn", q(c) + " (expected: Envoy retry conditions such as 5xx,connect-failure or HTTP status codes)");
                    }
                }
            }
        }
        if (r.fault() != null) {
            fault(f, at + ".fault", r.fault());
        }
        if (r.mirror() != null) {
            destination(f, at + ".mirror", r.mirror());
        }
        if (r.mirrorPercentage() != null) {
            f.percent(at + ".mirrorPercentage.value", r.mirrorPercentage().value());
        }
        f.range(at + ".mirrorPercent", r.mirrorPercent(), 0, 100);
        if (r.corsPolicy() != null) {
            f.warn(at + ".corsPolicy", "accepted but not translated by this pilot version");
        }
        headers(f, at + ".headers", r.headers());
    }

    private static void match(Findings f, String at, HttpMatchRequest m) {
        stringMatch(f, at + ".uri", m.uri(), false);
        stringMatch(f, at + ".scheme", m.scheme(), false);
        stringMatch(f, at + ".method", m.method(), false);
        stringMatch(f, at + ".authority", m.authority(), false);
        headerMatches(f, at + ".headers", m.headers());
        headerMatches(f, at + ".withoutHeaders", m.withoutHeaders());
        m.queryParams().forEach((k, v) -> stringMatch(f, at + ".queryParams." + k, v, true));
        f.port(at + ".port", m.port());
        f.labels(at + ".sourceLabels", m.sourceLabels());
    }

    private static void headerMatches(Findings f, String at, Map<String, StringMatch> headers) {
        headers.forEach((name, v) -> {
            if (!name.equals(name.toLowerCase())) {
                f.error(at + "." + name, "uppercase header name (expected: lowercase)");
            } else {
                f.headerName(at + "." + name, name);
            }
            stringMatch(f, at + "." + name, v, true);
        });
    }

    private static void stringMatch(Findings f, String at, StringMatch s, boolean presenceAllowed) {
        if (s == null) {
            return;
        }
        int set = (s.exact() != null ? 1 : 0) + (s.prefix() != null ? 1 : 0) + (s.regex() != null ? 1 : 0);
        if (set > 1) {
            f.error(at, "more than one of exact, prefix, regex (expected: exactly one)");
        } else if (set == 0 && !presenceAllowed) {
            f.error(at, "empty (expected: one of exact, prefix, regex)");
        }
        f.regex(at + ".regex", s.regex());
    }

    private static void destinations(Findings f, String at, List<VirtualService.RouteDestination> route) {
        long total = 0;
        for (int d = 0; d < route.size(); d++) {
            VirtualService.RouteDestination rd = route.get(d);
            String dat = at + ".route[" + d + "]";
            if (rd.destination() == null) {
                f.error(dat + ".destination", "missing (expected: a destination with host)");
            } else {
                destination(f, dat + ".destination", rd.destination());
            }
            if (rd.weight() != null) {
                if (rd.weight() < 0) {
                    f.error(dat + ".weight", rd.weight() + " (expected: >= 0)");
                } else {
                    total += rd.weight();
                }
            }
            headers(f, dat + ".headers", rd.headers());
        }
        if (route.size() > 1 && total == 0) {
            f.error(at + ".route", "total weight 0 (expected: > 0 when there is more than one destination)");
        } else if (route.size() > 1 && total != 100) {
            f.warn(at + ".route", "weights sum to " + total + "; traffic is split by weight / " + total);
        }
    }

    private static void destination(Findings f, String at, VirtualService.Destination d) {
        f.host(at + ".host", d.host(), false);
        f.dnsLabel(at + ".subset", d.subset());
        if (d.port() != null) {
            f.port(at + ".port.number", d.port().number());
        }
    }

    private static void redirect(Findings f, String at, VirtualService.Redirect r) {
        if (r.redirectCode() != null && !REDIRECT_CODES.contains(r.redirectCode())) {
            f.error(at + ".redirectCode", r.redirectCode() + " (expected: one of 301, 302, 303, 307, 308)");
        }
        f.port(at + ".port", r.port());
        if (r.port() != null && r.derivePort() != null) {
            f.error(at + ".derivePort", "set together with port (expected: only one of port, derivePort)");
        }
        if (r.derivePort() != null && !Set.of("FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT").contains(r.derivePort())) {
            f.error(at + ".derivePort", q(r.derivePort()) + " (expected: FROM_PROTOCOL_DEFAULT or FROM_REQUEST_PORT)");
        }
        if (r.scheme() != null && !Set.of("http", "https").contains(r.scheme())) {
            f.error(at + ".scheme", q(r.scheme()) + " (expected: http or https)");
        }
        if (r.uri() == null && r.authority() == null && r.port() == null && r.scheme() == null && r.derivePort() == null) {
            f.error(at, "empty (expected: at least one of uri, authority, port, scheme)");
        }
    }

    private static void fault(Findings f, String at, VirtualService.FaultInjection fault) {
        if (fault.delay() == null && fault.abort() == null) {
            f.error(at, "empty (expected: delay or abort)");
        }
        if (fault.delay() != null) {
            VirtualService.Delay d = fault.delay();
            if (d.exponentialDelay() != null) {
                f.error(at + ".delay.exponentialDelay", "not supported (expected: fixedDelay)");
            }
            f.required(at + ".delay.fixedDelay", d.fixedDelay(), "a duration like 7s");
            f.duration(at + ".delay.fixedDelay", d.fixedDelay());
            if (d.percentage() != null) {
                f.percent(at + ".delay.percentage.value", d.percentage().value());
            }
            f.range(at + ".delay.percent", d.percent(), 0, 100);
        }
        if (fault.abort() != null) {
            VirtualService.Abort a = fault.abort();
            if (a.grpcStatus() != null || a.http2Error() != null) {
                f.error(at + ".abort", "grpcStatus/http2Error not supported (expected: httpStatus)");
            }
            f.required(at + ".abort.httpStatus", a.httpStatus(), "an HTTP status 200..599");
            f.range(at + ".abort.httpStatus", a.httpStatus(), 200, 599);
            if (a.percentage() != null) {
                f.percent(at + ".abort.percentage.value", a.percentage().value());
            }
        }
    }

    private static void headers(Findings f, String at, VirtualService.Headers h) {
        if (h == null) {
            return;
        }
        ops(f, at + ".request", h.request());
        ops(f, at + ".response", h.response());
    }

    private static void ops(Findings f, String at, VirtualService.HeaderOperations ops) {
        if (ops == null) {
            return;
        }
        ops.set().keySet().forEach(k -> f.headerName(at + ".set." + k, k));
        ops.add().keySet().forEach(k -> f.headerName(at + ".add." + k, k));
        for (int i = 0; i < ops.remove().size(); i++) {
            f.headerName(at + ".remove[" + i + "]", ops.remove().get(i));
        }
    }
}
