package io.qmesh.proxy.filter;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.Matcher;
import com.github.xds.type.matcher.v3.StringMatcher;
import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.extensions.filters.http.custom_response.v3.CustomResponse;
import io.envoyproxy.envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The response predicates of custom_response: status codes and classes are compared as numbers when the
 * value is a plain number, and must then mean exactly what the text comparison Envoy does means.
 */
class CustomResponseMatchTest {

    private static final HttpHeaders NONE = new DefaultHttpHeaders(false);
    private static final HttpRequest GET = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/reviews/0",
            new DefaultHttpHeaders().add("host", "reviews:9080").add("end-user", "jason"));

    @Test
    void anExactStatusMatchesOnlyThatStatus() throws Exception {
        CustomResponseConfig c = config(single(status(), exact("503")));
        assertEquals(true, matches(c, 503, NONE));
        assertEquals(false, matches(c, 502, NONE));
        assertEquals(false, matches(c, 200, NONE));
    }

    @Test
    void aStatusSpelledWithALeadingZeroNeverMatchesAsEnvoyComparesText() throws Exception {
        assertEquals(false, matches(config(single(status(), exact("050"))), 50, NONE));
        assertEquals(true, matches(config(single(status(), StringMatcher.newBuilder().setPrefix("50").build())), 504, NONE));
    }

    @Test
    void aStatusClassIsTheHundredsDigitAndHonoursIgnoreCase() throws Exception {
        assertEquals(true, matches(config(single(statusClass(), exact("5xx"))), 599, NONE));
        assertEquals(false, matches(config(single(statusClass(), exact("5xx"))), 499, NONE));
        assertEquals(false, matches(config(single(statusClass(), exact("5XX"))), 503, NONE));
        assertEquals(true, matches(config(single(statusClass(),
                StringMatcher.newBuilder().setExact("5XX").setIgnoreCase(true).build())), 503, NONE));
    }

    @Test
    void orAndAndNotCombinePredicates() throws Exception {
        Matcher.MatcherList.Predicate is503 = single(status(), exact("503"));
        Matcher.MatcherList.Predicate overloaded = single(
                HttpResponseHeaderMatchInput.newBuilder().setHeaderName("x-envoy-overloaded").build(), exact("true"));
        HttpHeaders flagged = new DefaultHttpHeaders(false).add("x-envoy-overloaded", "true");

        CustomResponseConfig and = config(Matcher.MatcherList.Predicate.newBuilder().setAndMatcher(
                Matcher.MatcherList.Predicate.PredicateList.newBuilder().addPredicate(is503).addPredicate(overloaded)).build());
        assertEquals(true, matches(and, 503, flagged));
        assertEquals(false, matches(and, 503, NONE));
        assertEquals(false, matches(and, 502, flagged));

        CustomResponseConfig or = config(Matcher.MatcherList.Predicate.newBuilder().setOrMatcher(
                Matcher.MatcherList.Predicate.PredicateList.newBuilder().addPredicate(is503).addPredicate(overloaded)).build());
        assertEquals(true, matches(or, 503, NONE));
        assertEquals(true, matches(or, 200, flagged));
        assertEquals(false, matches(or, 200, NONE));

        CustomResponseConfig not = config(Matcher.MatcherList.Predicate.newBuilder().setNotMatcher(is503).build());
        assertEquals(false, matches(not, 503, NONE));
        assertEquals(true, matches(not, 200, NONE));
    }

    @Test
    void requestHeadersIncludingPseudoHeadersAreReadFromTheRequestAnswered() throws Exception {
        HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/reviews/0",
                new DefaultHttpHeaders().add("host", "reviews:9080"));
        CustomResponseConfig getOnly = config(single(requestHeader(":method"), exact("GET")));
        assertEquals(true, getOnly.match(503, NONE, GET) != null);
        assertEquals(false, getOnly.match(503, NONE, post) != null);
        assertEquals(true, matches(config(single(requestHeader(":path"), StringMatcher.newBuilder().setPrefix("/reviews").build())), 200, NONE));
        assertEquals(true, matches(config(single(requestHeader(":authority"), exact("reviews:9080"))), 200, NONE));
        assertEquals(true, matches(config(single(requestHeader("End-User"), exact("jason"))), 200, NONE));
        assertEquals(false, matches(config(single(requestHeader("x-missing"), exact(""))), 200, NONE));
    }

    private static Message requestHeader(String name) {
        return HttpRequestHeaderMatchInput.newBuilder().setHeaderName(name).build();
    }

    private static boolean matches(CustomResponseConfig c, int status, HttpHeaders headers) {
        return c.match(status, headers, GET) != null;
    }

    private static CustomResponseConfig config(Matcher.MatcherList.Predicate predicate) throws Exception {
        CustomResponse cr = CustomResponse.newBuilder().setCustomResponseMatcher(Matcher.newBuilder().setMatcherList(
                Matcher.MatcherList.newBuilder().addMatchers(Matcher.MatcherList.FieldMatcher.newBuilder()
                        .setPredicate(predicate)
                        .setOnMatch(Matcher.OnMatch.newBuilder().setAction(TypedExtensionConfig.newBuilder()
                                .setName("degraded").setTypedConfig(Any.pack(LocalResponsePolicy.getDefaultInstance()))))))).build();
        return CustomResponseFilterFactory.translate(Any.pack(cr), "custom_response");
    }

    private static Matcher.MatcherList.Predicate single(Message input, StringMatcher value) {
        return Matcher.MatcherList.Predicate.newBuilder().setSinglePredicate(Matcher.MatcherList.Predicate.SinglePredicate.newBuilder()
                .setInput(TypedExtensionConfig.newBuilder().setName("input").setTypedConfig(Any.pack(input)))
                .setValueMatch(value)).build();
    }

    private static Message status() {
        return HttpResponseStatusCodeMatchInput.getDefaultInstance();
    }

    private static Message statusClass() {
        return HttpResponseStatusCodeClassMatchInput.getDefaultInstance();
    }

    private static StringMatcher exact(String value) {
        return StringMatcher.newBuilder().setExact(value).build();
    }
}
