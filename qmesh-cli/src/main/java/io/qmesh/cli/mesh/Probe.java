package io.qmesh.cli.mesh;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Readiness: an HTTP GET that answers 200 within a second. Never throws. */
public final class Probe {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofMillis(500))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private Probe() {
    }

    public static boolean ready(URI uri) {
        return status(uri) == 200;
    }

    /** The status code, or -1 when nothing answered within a second. */
    public static int status(URI uri) {
        return status(uri, Duration.ofSeconds(1));
    }

    public static int status(URI uri, Duration timeout) {
        if (uri == null) {
            return -1;
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
            return CLIENT.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
