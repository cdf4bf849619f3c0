package io.qmesh.bookinfo.common;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * HTTP/1.1 GETs to peer services, either straight to {@code host:port} or, when
 * {@code bookinfo.outbound-proxy} ({@code BOOKINFO_OUTBOUND_PROXY}) is set, through that HTTP proxy.
 *
 * <p>Through a proxy the request goes out in absolute form ({@code GET http://reviews:9080/reviews/0 HTTP/1.1},
 * {@code Host: reviews:9080}) and the JDK client leaves the target name unresolved: only the proxy,
 * which is where a sidecar without iptables listens, decides where {@code reviews} is.
 */
@Singleton
public class OutboundHttp {

    private final HttpClient client;
    private final Optional<InetSocketAddress> proxy;

    @Inject
    public OutboundHttp(@ConfigProperty(name = "bookinfo.outbound-proxy") Optional<String> proxySetting) {
        this.proxy = proxySetting.filter(p -> !p.isBlank()).map(OutboundHttp::parseProxy);
        HttpClient.Builder builder = HttpClient.newBuilder()
                // HTTP/1.1 only: the JDK would otherwise try an h2c upgrade on every new connection.
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER);
        // Without the setting: no proxy at all, not the JVM's default selector (http.proxyHost & co.),
        // so a machine-wide proxy meant for downloads never carries service-to-service calls.
        builder.proxy(proxy.map(ProxySelector::of).orElse(HttpClient.Builder.NO_PROXY));
        this.client = builder.build();
    }

    /**
     * Parses {@code host:port} or {@code http://host:port}; anything else stops the service at startup
     * with a message naming the setting.
     */
    public static InetSocketAddress parseProxy(String text) {
        String expected = " (expected: host:port or http://host:port)";
        String value = text.trim();
        if (value.startsWith("http://")) {
            value = value.substring("http://".length());
        }
        if (value.endsWith("/")) {
            value = value.substring(0, value.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create("http://" + value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bookinfo.outbound-proxy: '" + text + "'" + expected, e);
        }
        if (uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535 || !uri.getRawPath().isEmpty()
                || uri.getRawUserInfo() != null || uri.getRawQuery() != null) {
            throw new IllegalArgumentException("bookinfo.outbound-proxy: '" + text + "'" + expected);
        }
        return new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    public Optional<InetSocketAddress> proxy() {
        return proxy;
    }

    /**
     * GETs {@code pathAndQuery} from {@code target} with the given headers.
     *
     * @param timeout how long to wait for the response headers
     * @throws IOException when no response arrives (refused, reset, timed out)
     */
    public OutboundResponse get(ServiceEndpoint target, String pathAndQuery, Map<String, String> headers,
            Duration timeout) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(target.uri(pathAndQuery)).timeout(timeout), headers);
    }

    /**
     * GETs without a timeout of its own: for callers that bound the call from outside, such as
     * productpage's SmallRye {@code @Timeout}, which interrupts the calling thread (the JDK client then
     * cancels the exchange).
     */
    public OutboundResponse get(ServiceEndpoint target, String pathAndQuery, Map<String, String> headers)
            throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(target.uri(pathAndQuery)), headers);
    }

    private OutboundResponse send(HttpRequest.Builder request, Map<String, String> headers)
            throws IOException, InterruptedException {
        request.GET();
        headers.forEach(request::header);
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new OutboundResponse(response.statusCode(), response.body());
    }
}
