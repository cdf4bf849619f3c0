package io.qmesh.proxy.filter;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.qmesh.proxy.route.HeaderMutation;
import io.qmesh.proxy.route.RouteAction;
import java.util.List;

/**
 * envoy.filters.http.custom_response, translated: rules tried in order against the final response (after
 * the router's retries, upstream or the router's own local reply); the first match replaces the response,
 * either with a local one or by an internal redirect of the request to another route.
 *
 * @param rules     empty: the filter is in the chain but replaces nothing (the listener-level config pilot sends)
 * @param redirects whether some rule redirects: then the request body is kept, as the redirected request
 *                  carries it (computed once here, read per request)
 */
public record CustomResponseConfig(List<Rule> rules, boolean redirects) implements HttpFilterConfig {

    public static final CustomResponseConfig EMPTY = new CustomResponseConfig(List.of());

    public CustomResponseConfig(List<Rule> rules) {
        this(rules, rules.stream().anyMatch(r -> r.action() instanceof Redirect));
    }

    /** A predicate over a response (status code and headers) and the request it answers. */
    public interface ResponsePredicate {
        boolean test(int status, HttpHeaders headers, HttpRequest request);
    }

    public record Rule(ResponsePredicate predicate, Action action) {
    }

    /** What a matched rule does with the response: one of Envoy's custom response policies. */
    public sealed interface Action permits LocalResponse, Redirect {
        /** The action's name, for counters and logs. */
        String name();
    }

    /**
     * LocalResponsePolicy: the replacement response.
     *
     * @param status  0 keeps the original status
     * @param body    the body ("" for none)
     * @param headers response_headers_to_add
     */
    public record LocalResponse(int status, String body, HeaderMutation headers, String name) implements Action {
        public int statusFor(int original) {
            return status == 0 ? original : status;
        }
    }

    /**
     * RedirectPolicy: the request is routed again, once, to where {@code target} points (host, port and
     * path; {@code status} and {@code prefixRewrite} unused), and the new route's response goes downstream.
     *
     * @param requestHeaders  request_headers_to_add, applied before the new route is chosen
     * @param responseHeaders response_headers_to_add, applied to the redirected stream's response
     * @param status          status_code: replaces the redirected response's status; 0 keeps it
     */
    public record Redirect(RouteAction.Redirect target, HeaderMutation requestHeaders, HeaderMutation responseHeaders,
                           int status, String name) implements Action {
    }

    @Override
    public String filterName() {
        return CustomResponseFilterFactory.NAME;
    }

    /** The action for a response to {@code request}, or null to keep it. */
    public Action match(int status, HttpHeaders headers, HttpRequest request) {
        for (Rule r : rules) {
            if (r.predicate().test(status, headers, request)) {
                return r.action();
            }
        }
        return null;
    }
}
