package io.qmesh.proxy.filter;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.Matcher;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.extensions.filters.http.custom_response.v3.CustomResponse;
import io.envoyproxy.envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy;
import io.envoyproxy.envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.route.HeaderMutation;
import io.qmesh.proxy.route.RouteAction;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

/**
 * envoy.filters.http.custom_response. The matcher is a matcher_list whose predicates (single, or_matcher,
 * and_matcher, not_matcher) read the response status code, its class ("5xx") or a response header, with
 * exact or prefix value matches; the action is a LocalResponsePolicy (status, inline body, headers) or a
 * RedirectPolicy (an internal redirect to {@code uri} or {@code redirect_action}'s host, port and path,
 * with request and response headers to add and a status override). Matcher trees, on_no_match and the
 * parts of a RedirectPolicy listed in {@link #redirect} are NACKed as not implemented.
 */
public final class CustomResponseFilterFactory implements HttpFilterFactory {

    public static final String NAME = "envoy.filters.http.custom_response";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public HttpFilterConfig parse(Any typedConfig, String field) throws InvalidConfigException {
        return translate(typedConfig, field);
    }

    @Override
    public HttpFilter create(HttpFilterConfig config) {
        CustomResponseConfig listener = config instanceof CustomResponseConfig c ? c : CustomResponseConfig.EMPTY;
        return ctx -> {
            ctx.overrideResponses(listener);
            ctx.proceed();
        };
    }

    static CustomResponseConfig translate(Any any, String field) throws InvalidConfigException {
        if (any.getTypeUrl().isEmpty()) {
            return CustomResponseConfig.EMPTY;
        }
        CustomResponse cr = unpack(any, CustomResponse.class, field);
        if (!cr.hasCustomResponseMatcher()) {
            return CustomResponseConfig.EMPTY;
        }
        Matcher m = cr.getCustomResponseMatcher();
        String at = field + ".custom_response_matcher";
        if (m.hasMatcherTree()) {
            throw new InvalidConfigException(at + ".matcher_tree: set (expected: matcher_list; matcher trees are not implemented)");
        }
        if (m.hasOnNoMatch()) {
            throw new InvalidConfigException(at + ".on_no_match: set (expected: unset; a default policy is not implemented)");
        }
        List<CustomResponseConfig.Rule> rules = new ArrayList<>();
        for (int i = 0; i < m.getMatcherList().getMatchersCount(); i++) {
            var fm = m.getMatcherList().getMatchers(i);
            String mat = at + ".matcher_list.matchers[" + i + "]";
            if (!fm.getOnMatch().hasAction()) {
                throw new InvalidConfigException(mat + ".on_match.action: missing (expected: a LocalResponsePolicy or RedirectPolicy action)");
            }
            rules.add(new CustomResponseConfig.Rule(predicate(fm.getPredicate(), mat + ".predicate"),
                    action(fm.getOnMatch().getAction(), mat + ".on_match.action")));
        }
        return new CustomResponseConfig(List.copyOf(rules));
    }

    private static CustomResponseConfig.ResponsePredicate predicate(Matcher.MatcherList.Predicate p, String at)
            throws InvalidConfigException {
        switch (p.getMatchTypeCase()) {
            case SINGLE_PREDICATE -> {
                return single(p.getSinglePredicate(), at + ".single_predicate");
            }
            case OR_MATCHER, AND_MATCHER -> {
                boolean or = p.hasOrMatcher();
                var list = or ? p.getOrMatcher() : p.getAndMatcher();
                CustomResponseConfig.ResponsePredicate[] parts = new CustomResponseConfig.ResponsePredicate[list.getPredicateCount()];
                for (int i = 0; i < parts.length; i++) {
                    parts[i] = predicate(list.getPredicate(i), at + (or ? ".or_matcher" : ".and_matcher") + ".predicate[" + i + "]");
                }
                return or ? anyOf(parts) : allOf(parts);
            }
            case NOT_MATCHER -> {
                var inner = predicate(p.getNotMatcher(), at + ".not_matcher");
                return (s, h, r) -> !inner.test(s, h, r);
            }
            default -> throw new InvalidConfigException(at + ": empty (expected: single_predicate, or_matcher, and_matcher or not_matcher)");
        }
    }

    private static CustomResponseConfig.ResponsePredicate single(Matcher.MatcherList.Predicate.SinglePredicate sp,
                                                                 String at) throws InvalidConfigException {
        if (!sp.hasValueMatch()) {
            throw new InvalidConfigException(at + ".value_match: missing (expected: a string matcher; custom_match is not implemented)");
        }
        var vm = sp.getValueMatch();
        java.util.function.Predicate<String> value = switch (vm.getMatchPatternCase()) {
            case EXACT -> vm.getIgnoreCase() ? vm.getExact()::equalsIgnoreCase : vm.getExact()::equals;
            case PREFIX -> v -> vm.getIgnoreCase() ? v.toLowerCase().startsWith(vm.getPrefix().toLowerCase()) : v.startsWith(vm.getPrefix());
            default -> throw new InvalidConfigException(at + ".value_match: " + vm.getMatchPatternCase()
                    + " (expected: exact or prefix)");
        };
        Any input = sp.getInput().getTypedConfig();
        // Every response meets these two, so an exact value is compared as a number, not as a new string.
        if (input.is(HttpResponseStatusCodeMatchInput.class)) {
            int exact = vm.hasExact() && !vm.getIgnoreCase() ? statusOrNegative(vm.getExact()) : -1;
            return exact >= 0 ? (s, h, r) -> s == exact : (s, h, r) -> value.test(Integer.toString(s));
        }
        if (input.is(HttpResponseStatusCodeClassMatchInput.class)) {
            String exact = !vm.hasExact() ? "" : vm.getIgnoreCase() ? vm.getExact().toLowerCase() : vm.getExact();
            int klass = exact.length() == 3 && exact.endsWith("xx") ? statusOrNegative(exact.substring(0, 1)) : -1;
            return klass >= 0 ? (s, h, r) -> s / 100 == klass : (s, h, r) -> value.test((s / 100) + "xx");
        }
        if (input.is(HttpResponseHeaderMatchInput.class)) {
            // An AsciiString keeps its hash: the lookup on every response does not hash the name again.
            AsciiString name = AsciiString.cached(
                    unpack(input, HttpResponseHeaderMatchInput.class, at + ".input.typed_config").getHeaderName());
            return (s, h, r) -> headerMatches(h, name, value);
        }
        if (input.is(HttpRequestHeaderMatchInput.class)) {
            String name = unpack(input, HttpRequestHeaderMatchInput.class, at + ".input.typed_config").getHeaderName()
                    .toLowerCase(java.util.Locale.ROOT);
            return switch (name) {
                // HTTP/2's pseudo-headers, which an HTTP/1.1 request carries in its request line
                case ":method" -> (s, h, r) -> value.test(r.method().name());
                case ":path" -> (s, h, r) -> value.test(r.uri());
                case ":authority" -> (s, h, r) -> headerMatches(r.headers(), HttpHeaderNames.HOST, value);
                case ":scheme" -> (s, h, r) -> value.test("http");
                default -> {
                    AsciiString header = AsciiString.cached(name);
                    yield (s, h, r) -> headerMatches(r.headers(), header, value);
                }
            };
        }
        throw new InvalidConfigException(at + ".input.typed_config: " + input.getTypeUrl() + " (expected: "
                + "HttpResponseStatusCodeMatchInput, HttpResponseStatusCodeClassMatchInput, HttpResponseHeaderMatchInput "
                + "or HttpRequestHeaderMatchInput)");
    }

    /** A header's values, joined by commas as Envoy's header inputs join them, against a value matcher. */
    private static boolean headerMatches(io.netty.handler.codec.http.HttpHeaders headers, CharSequence name,
                                         java.util.function.Predicate<String> value) {
        String first = headers.get(name);
        if (first == null) {
            return false;
        }
        List<String> values = headers.getAll(name);
        return value.test(values.size() == 1 ? first : String.join(",", values));
    }

    private static CustomResponseConfig.ResponsePredicate anyOf(CustomResponseConfig.ResponsePredicate[] parts) {
        return (s, h, r) -> {
            for (CustomResponseConfig.ResponsePredicate p : parts) {
                if (p.test(s, h, r)) {
                    return true;
                }
            }
            return false;
        };
    }

    private static CustomResponseConfig.ResponsePredicate allOf(CustomResponseConfig.ResponsePredicate[] parts) {
        return (s, h, r) -> {
            for (CustomResponseConfig.ResponsePredicate p : parts) {
                if (!p.test(s, h, r)) {
                    return false;
                }
            }
            return true;
        };
    }

    /** The number the text spells as Integer.toString would, or -1 (the value is then matched as text). */
    private static int statusOrNegative(String digits) {
        if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        int n = Integer.parseInt(digits);
        return Integer.toString(n).equals(digits) ? n : -1;
    }

    private static CustomResponseConfig.Action action(TypedExtensionConfig action, String at)
            throws InvalidConfigException {
        if (action.getTypedConfig().is(RedirectPolicy.class)) {
            return redirect(unpack(action.getTypedConfig(), RedirectPolicy.class, at + ".typed_config"),
                    action.getName(), at + ".typed_config");
        }
        if (!action.getTypedConfig().is(LocalResponsePolicy.class)) {
            throw new InvalidConfigException(at + ".typed_config: " + action.getTypedConfig().getTypeUrl()
                    + " (expected: type.googleapis.com/" + LocalResponsePolicy.getDescriptor().getFullName()
                    + " or type.googleapis.com/" + RedirectPolicy.getDescriptor().getFullName() + ")");
        }
        LocalResponsePolicy p = unpack(action.getTypedConfig(), LocalResponsePolicy.class, at + ".typed_config");
        if (p.hasBody() && !p.getBody().hasInlineString() && !p.getBody().hasInlineBytes()) {
            throw new InvalidConfigException(at + ".typed_config.body: " + p.getBody().getSpecifierCase()
                    + " (expected: inline_string or inline_bytes)");
        }
        String body = !p.hasBody() ? "" : p.getBody().hasInlineString() ? p.getBody().getInlineString()
                : p.getBody().getInlineBytes().toStringUtf8();
        int status = status(p.hasStatusCode(), p.getStatusCode().getValue(), at + ".typed_config.status_code");
        return new CustomResponseConfig.LocalResponse(status, body, headers(p.getResponseHeadersToAddList()),
                action.getName());
    }

    /**
     * A RedirectPolicy, with Envoy's checks: exactly one of {@code uri} (an absolute http URL, whose path and
     * query replace the request's) or {@code redirect_action} (host, port, path and strip_query; Envoy rejects
     * prefix_rewrite and regex_rewrite here, and response_code is status_code's job). Not implemented, so
     * NACKed: modify_request_headers_action and an https scheme (an internal redirect keeps the request's).
     */
    static CustomResponseConfig.Redirect redirect(RedirectPolicy p, String name, String at) throws InvalidConfigException {
        RouteAction.Redirect target = switch (p.getRedirectActionSpecifierCase()) {
            case URI -> uri(p.getUri(), at + ".uri");
            case REDIRECT_ACTION -> redirectAction(p.getRedirectAction(), at + ".redirect_action");
            default -> throw new InvalidConfigException(at + ": no redirect_action_specifier (expected: uri or redirect_action)");
        };
        if (p.hasModifyRequestHeadersAction()) {
            throw new InvalidConfigException(at + ".modify_request_headers_action: set (expected: unset; not implemented)");
        }
        int status = status(p.hasStatusCode(), p.getStatusCode().getValue(), at + ".status_code");
        return new CustomResponseConfig.Redirect(target, headers(p.getRequestHeadersToAddList()),
                headers(p.getResponseHeadersToAddList()), status, name);
    }

    private static RouteAction.Redirect uri(String uri, String at) throws InvalidConfigException {
        URI u;
        try {
            u = new URI(uri);
        } catch (URISyntaxException e) {
            throw new InvalidConfigException(at + ": \"" + uri + "\" (expected: an absolute http URL; " + e.getReason() + ")");
        }
        if (!"http".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
            throw new InvalidConfigException(at + ": \"" + uri + "\" (expected: an absolute http URL such as "
                    + "http://host[:port]/path; https is not implemented)");
        }
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        if (u.getRawQuery() != null) {
            path += "?" + u.getRawQuery();
        }
        // The URL's path and query replace the request's, as Envoy's; a fragment is dropped.
        return new RouteAction.Redirect(null, u.getHost(), Math.max(u.getPort(), 0), path, null, 0, true);
    }

    private static RouteAction.Redirect redirectAction(RedirectAction r, String at) throws InvalidConfigException {
        if (r.hasRegexRewrite()) {
            throw new InvalidConfigException(at + ".regex_rewrite: set (expected: unset; Envoy rejects it in a custom response)");
        }
        if (!r.getPrefixRewrite().isEmpty()) {
            throw new InvalidConfigException(at + ".prefix_rewrite: \"" + r.getPrefixRewrite()
                    + "\" (expected: unset; Envoy rejects it in a custom response)");
        }
        if (r.getResponseCode() != RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY) {
            throw new InvalidConfigException(at + ".response_code: " + r.getResponseCode()
                    + " (expected: unset; the policy's status_code sets the status)");
        }
        if (r.getHttpsRedirect() || !(r.getSchemeRedirect().isEmpty() || r.getSchemeRedirect().equals("http"))) {
            throw new InvalidConfigException(at + (r.getHttpsRedirect() ? ".https_redirect: true" : ".scheme_redirect: \""
                    + r.getSchemeRedirect() + "\"") + " (expected: unset or http; https is not implemented)");
        }
        if (r.getPathRedirect().indexOf('#') >= 0) {
            throw new InvalidConfigException(at + ".path_redirect: \"" + r.getPathRedirect()
                    + "\" (expected: no #fragment, as Envoy)");
        }
        return new RouteAction.Redirect(null, r.getHostRedirect().isEmpty() ? null : r.getHostRedirect(),
                r.getPortRedirect(), r.getPathRedirect().isEmpty() ? null : r.getPathRedirect(), null, 0, r.getStripQuery());
    }

    private static int status(boolean set, int status, String at) throws InvalidConfigException {
        if (set && (status < 200 || status > 599)) {
            throw new InvalidConfigException(at + ": " + status + " (expected: 200..599)");
        }
        return set ? status : 0;
    }

    private static HeaderMutation headers(List<HeaderValueOption> options) {
        List<HeaderMutation.HeaderValue> headers = new ArrayList<>();
        for (HeaderValueOption o : options) {
            boolean append = o.hasAppend() ? o.getAppend().getValue()
                    : o.getAppendAction() == HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD;
            headers.add(new HeaderMutation.HeaderValue(o.getHeader().getKey(), o.getHeader().getValue(), append));
        }
        return new HeaderMutation(List.copyOf(headers), List.of());
    }

    private static <T extends com.google.protobuf.Message> T unpack(Any any, Class<T> type, String field)
            throws InvalidConfigException {
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidConfigException(field + ": " + any.getTypeUrl() + " (expected: type.googleapis.com/"
                    + type.getSimpleName() + ")");
        }
    }
}
