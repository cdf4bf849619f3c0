package io.qmesh.bookinfo.common;

import java.net.URI;
import java.util.Optional;

/**
 * Where a peer service is reached: Istio's bookinfo builds {@code http://<HOSTNAME>[.<SERVICES_DOMAIN>]:<PORT>}
 * from the {@code *_HOSTNAME}, {@code SERVICES_DOMAIN} and {@code *_SERVICE_PORT} variables, and so do we.
 * The host is kept as a name: with an outbound proxy configured it is never resolved by the app.
 */
public record ServiceEndpoint(String host, int port) {

    public ServiceEndpoint {
        if (host == null || host.isBlank() || host.chars().anyMatch(c -> c <= ' ' || c == '/' || c == '@')) {
            throw new IllegalArgumentException("hostname: '" + host + "' (expected: a host name or IP address)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
    }

    /** Builds the endpoint the way bookinfo does: the domain, when set, is appended after a dot. */
    public static ServiceEndpoint of(String hostname, Optional<String> servicesDomain, int port) {
        String host = servicesDomain.filter(d -> !d.isBlank()).map(d -> hostname + "." + d).orElse(hostname);
        return new ServiceEndpoint(host, port);
    }

    /** {@code host:port}, the value of the Host header of a call to this endpoint. */
    public String authority() {
        return host + ":" + port;
    }

    /** An absolute http URI for {@code pathAndQuery} (which starts with a slash) on this endpoint. */
    public URI uri(String pathAndQuery) {
        return URI.create("http://" + authority() + pathAndQuery);
    }
}
