package io.qmesh.proxy.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.Matcher;
import com.github.xds.type.matcher.v3.StringMatcher;
import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.extensions.filters.http.custom_response.v3.CustomResponse;
import io.envoyproxy.envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.route.RouteAction;
import org.junit.jupiter.api.Test;

/** custom_response's RedirectPolicy at the xDS edge: translated in Envoy's terms, NACKed with the field otherwise. */
class CustomResponseRedirectPolicyTest {

    private static final HttpRequest GET = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", new DefaultHttpHeaders());

    static final String ACTION = "route.custom_response_matcher.matcher_list.matchers[0].on_match.action.typed_config";

    static CustomResponse on503(RedirectPolicy policy) {
        return CustomResponse.newBuilder().setCustomResponseMatcher(Matcher.newBuilder().setMatcherList(
                Matcher.MatcherList.newBuilder().addMatchers(Matcher.MatcherList.FieldMatcher.newBuilder()
                        .setPredicate(Matcher.MatcherList.Predicate.newBuilder().setSinglePredicate(
                                Matcher.MatcherList.Predicate.SinglePredicate.newBuilder()
                                        .setInput(TypedExtensionConfig.newBuilder().setName("status")
                                                .setTypedConfig(Any.pack(HttpResponseStatusCodeMatchInput.getDefaultInstance())))
                                        .setValueMatch(StringMatcher.newBuilder().setExact("503"))))
                        .setOnMatch(Matcher.OnMatch.newBuilder().setAction(TypedExtensionConfig.newBuilder()
                                .setName("fallback:default/reviews-v1").setTypedConfig(Any.pack(policy))))))).build();
    }

    static CustomResponseConfig.Redirect parse(RedirectPolicy policy) throws InvalidConfigException {
        CustomResponseConfig c = (CustomResponseConfig) new CustomResponseFilterFactory().parsePerRoute(Any.pack(on503(policy)), "route");
        return assertInstanceOf(CustomResponseConfig.Redirect.class, c.match(503, new DefaultHttpHeaders(), GET));
    }

    static String nack(RedirectPolicy policy) {
        return assertThrows(InvalidConfigException.class, () -> parse(policy)).getMessage();
    }

    static HeaderValueOption header(String key, String value) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(key).setValue(value)).build();
    }

    @Test
    void aHostRedirectKeepsThePathAndQuery() throws Exception {
        CustomResponseConfig.Redirect r = parse(RedirectPolicy.newBuilder().setRedirectAction(
                RedirectAction.newBuilder().setHostRedirect("reviews-v1.default.fallback.qmesh.internal")).build());
        assertEquals(new RouteAction.Redirect(null, "reviews-v1.default.fallback.qmesh.internal", 0, null, null, 0, false),
                r.target());
        assertEquals(0, r.status(), "no status_code: the redirected response keeps its own");
        assertEquals("fallback:default/reviews-v1", r.name());
        CustomResponseConfig c = (CustomResponseConfig) new CustomResponseFilterFactory().parsePerRoute(Any.pack(on503(
                RedirectPolicy.newBuilder().setUri("http://x/").build())), "route");
        assertEquals(true, c.redirects());
        assertEquals(null, c.match(200, new DefaultHttpHeaders(), GET));
    }

    @Test
    void aUriReplacesHostPortPathAndQuery() throws Exception {
        CustomResponseConfig.Redirect r = parse(RedirectPolicy.newBuilder().setUri("http://errors.internal:8080/503.json?v=2#top")
                .setStatusCode(UInt32Value.of(200))
                .addRequestHeadersToAdd(header("x-redirected", "yes"))
                .addResponseHeadersToAdd(header("x-extra", "1")).build());
        assertEquals(new RouteAction.Redirect(null, "errors.internal", 8080, "/503.json?v=2", null, 0, true), r.target());
        assertEquals(200, r.status());
        HttpHeaders request = new DefaultHttpHeaders();
        r.requestHeaders().applyTo(request);
        assertEquals("yes", request.get("x-redirected"));
        HttpHeaders response = new DefaultHttpHeaders();
        r.responseHeaders().applyTo(response);
        assertEquals("1", response.get("x-extra"));
    }

    @Test
    void whatEnvoyRejectsOrWeDoNotImplementIsNacked() {
        assertEquals(ACTION + ": no redirect_action_specifier (expected: uri or redirect_action)",
                nack(RedirectPolicy.getDefaultInstance()));
        assertEquals(ACTION + ".uri: \"https://x/\" (expected: an absolute http URL such as http://host[:port]/path; "
                + "https is not implemented)", nack(RedirectPolicy.newBuilder().setUri("https://x/").build()));
        assertEquals(ACTION + ".uri: \"/relative\" (expected: an absolute http URL such as http://host[:port]/path; "
                + "https is not implemented)", nack(RedirectPolicy.newBuilder().setUri("/relative").build()));
        assertEquals(ACTION + ".redirect_action.prefix_rewrite: \"/v1\" (expected: unset; Envoy rejects it in a custom response)",
                nack(RedirectPolicy.newBuilder().setRedirectAction(RedirectAction.newBuilder().setPrefixRewrite("/v1")).build()));
        assertEquals(ACTION + ".redirect_action.regex_rewrite: set (expected: unset; Envoy rejects it in a custom response)",
                nack(RedirectPolicy.newBuilder().setRedirectAction(RedirectAction.newBuilder().setRegexRewrite(
                        io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute.getDefaultInstance())).build()));
        assertEquals(ACTION + ".redirect_action.response_code: FOUND (expected: unset; the policy's status_code sets the status)",
                nack(RedirectPolicy.newBuilder().setRedirectAction(RedirectAction.newBuilder()
                        .setResponseCode(RedirectAction.RedirectResponseCode.FOUND)).build()));
        assertEquals(ACTION + ".redirect_action.https_redirect: true (expected: unset or http; https is not implemented)",
                nack(RedirectPolicy.newBuilder().setRedirectAction(RedirectAction.newBuilder().setHttpsRedirect(true)).build()));
        assertEquals(ACTION + ".redirect_action.path_redirect: \"/a#b\" (expected: no #fragment, as Envoy)",
                nack(RedirectPolicy.newBuilder().setRedirectAction(RedirectAction.newBuilder().setPathRedirect("/a#b")).build()));
        assertEquals(ACTION + ".status_code: 100 (expected: 200..599)", nack(RedirectPolicy.newBuilder()
                .setUri("http://x/").setStatusCode(UInt32Value.of(100)).build()));
        assertEquals(ACTION + ".modify_request_headers_action: set (expected: unset; not implemented)",
                nack(RedirectPolicy.newBuilder().setUri("http://x/").setModifyRequestHeadersAction(
                        io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig.newBuilder().setName("acme")).build()));
    }
}
