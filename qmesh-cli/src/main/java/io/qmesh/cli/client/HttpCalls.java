package io.qmesh.cli.client;

import io.qmesh.cli.CliException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** One JDK HTTP client; a peer that does not answer becomes a one-line error naming it. */
final class HttpCalls {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private HttpCalls() {
    }

    /** @param unavailable what to say when nothing answers, e.g. "pilot is not running at ..." */
    static HttpResponse<String> send(HttpRequest.Builder request, String unavailable) {
        try {
            return CLIENT.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new CliException(unavailable, CliException.UNAVAILABLE);
        } catch (IOException e) {
            throw new CliException(unavailable + " (" + e.getClass().getSimpleName() + ")", CliException.UNAVAILABLE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted", CliException.UNAVAILABLE);
        }
    }

    static HttpRequest.Builder get(URI uri) {
        return HttpRequest.newBuilder(uri).GET();
    }
}
