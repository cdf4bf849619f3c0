package io.qmesh.bookinfo.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Stands in for the mesh until qmesh's sidecar does this job: the workloads' outbound HTTP proxy
 * ({@code BOOKINFO_OUTBOUND_PROXY}). It receives absolute-form requests ({@code GET http://reviews:9080/...}),
 * picks a backend of the service named by the Host header (round robin over its versions), forwards
 * the request, and records which backend answered.
 */
final class RoutingProxy implements AutoCloseable {

    /** A backend of a service: its version label and where it listens. */
    record Backend(String version, int port) {
    }

    /** One proxied request: the authority asked for, the path, the headers, and who answered. */
    record Routed(String authority, String path, Map<String, String> headers, String version, int status) {
    }

    private static final Set<String> HOP_BY_HOP = Set.of("host", "connection", "content-length", "expect",
            "upgrade", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer");

    private final Map<String, List<Backend>> services = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> next = new ConcurrentHashMap<>();
    private final List<Routed> routed = new CopyOnWriteArrayList<>();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .proxy(HttpClient.Builder.NO_PROXY).build();
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final HttpServer server;

    RoutingProxy() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::forward);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Routes {@code authority} (e.g. {@code reviews:9080}) to these backends, in turn. */
    void route(String authority, List<Backend> backends) {
        services.put(authority, List.copyOf(backends));
        next.put(authority, new AtomicInteger());
    }

    List<Routed> routed() {
        return List.copyOf(routed);
    }

    void clear() {
        routed.clear();
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
            URI target = exchange.getRequestURI();
            String authority = exchange.getRequestHeaders().getFirst("Host");
            List<Backend> backends = services.get(authority);
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
            if (target.getScheme() == null || backends == null) {
                // Not absolute form, or a service the mesh does not know: as a sidecar would, refuse it.
                routed.add(new Routed(authority, target.toString(), headers, "", 404));
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            Backend backend = backends.get(Math.floorMod(next.get(authority).getAndIncrement(), backends.size()));
            HttpRequest.Builder request = HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + backend.port() + target.getRawPath())).GET();
            headers.forEach((name, value) -> {
                if (!HOP_BY_HOP.contains(name)) {
                    request.header(name, value);
                }
            });
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            routed.add(new Routed(authority, target.getRawPath(), headers, backend.version(), response.statusCode()));
            response.headers().firstValue("content-type").ifPresent(ct -> exchange.getResponseHeaders().set("Content-Type", ct));
            byte[] body = response.body();
            exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
