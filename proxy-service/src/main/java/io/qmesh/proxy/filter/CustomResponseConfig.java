package io.qmesh.proxy.filter;

import io.netty.handler.codec.http.HttpHeaders;
import io.qmesh.proxy.route.HeaderMutation;
import java.util.List;

/**
 * envoy.filters.http.custom_response, translated: rules tried in order against the final response (after
 * the router's retries, upstream or the router's own local reply); the first match replaces the response.
 *
 * @param rules empty: the filter is in the chain but replaces nothing (the listener-level config pilot sends)
 */
public record CustomResponseConfig(List<Rule> rules) implements HttpFilterConfig {

    public static final CustomResponseConfig EMPTY = new CustomResponseConfig(List.of());

    /** A predicate over a response: status code and headers. */
    public interface ResponsePredicate {
        boolean test(int status, HttpHeaders headers);
    }

    public record Rule(ResponsePredicate predicate, LocalResponse response) {
    }

    /**
     * LocalResponsePolicy: the replacement response.
     *
     * @param status  0 keeps the original status
     * @param body    the body ("" for none)
     * @param headers response_headers_to_add
     * @param name    the action's name, for counters and logs
     */
    public record LocalResponse(int status, String body, HeaderMutation headers, String name) {
        public int statusFor(int original) {
            return status == 0 ? original : status;
        }
    }

    @Override
    public String filterName() {
        return CustomResponseFilterFactory.NAME;
    }

    /** The replacement for a response, or null to keep it. */
    public LocalResponse match(int status, HttpHeaders headers) {
        for (Rule r : rules) {
            if (r.predicate().test(status, headers)) {
                return r.response();
            }
        }
        return null;
    }
}
