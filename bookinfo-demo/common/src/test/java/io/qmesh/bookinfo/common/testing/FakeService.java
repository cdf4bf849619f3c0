package io.qmesh.bookinfo.common.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on a loopback port chosen by the OS, standing in for a bookinfo service in tests:
 * it answers every request with a programmable status and body, stalls, or refuses connections,
 * and records what it received. Not a mock: the code under test talks HTTP to it over a socket.
 */
public final class FakeService implements AutoCloseable {

    /** One request as received: header names in lower case, first value only. */
    public record Received(String method, String uri, Map<String, String> headers) {
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-service");
        t.setDaemon(true);
        return t;
    });
    private final int port;
    private volatile HttpServer server;
    private volatile int status = 200;
    private volatile String body = "{}";
    private volatile CountDownLatch stall;

    public FakeService() {
        this.server = start(0);
        this.port = server.getAddress().getPort();
    }

    public int port() {
        return port;
    }

    /** Answers every following request with this status and JSON body (and accepts connections again). */
    public synchronized FakeService answer(int status, String body) {
        this.status = status;
        this.body = body;
        releaseStalled();
        if (server == null) {
            server = start(port);
        }
        return this;
    }

    /** Holds every following request without answering until {@link #answer} or {@link #close}. */
    public synchronized FakeService stall() {
        answer(200, "{}");
        stall = new CountDownLatch(1);
        return this;
    }

    /** Stops listening, so that new connections are refused, until {@link #answer} is called again. */
    public synchronized FakeService refuseConnections() {
        releaseStalled();
        if (server != null) {
            server.stop(0);
            server = null;
        }
        return this;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public int requestCount() {
        return received.size();
    }

    public void clearReceived() {
        received.clear();
    }

    @Override
    public synchronized void close() {
        refuseConnections();
        threads.shutdownNow();
    }

    private void releaseStalled() {
        CountDownLatch latch = stall;
        stall = null;
        if (latch != null) {
            latch.countDown();
        }
    }

    private HttpServer start(int onPort) {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 50);
            http.setExecutor(threads);
            http.createContext("/", this::handle);
            http.start();
            return http;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.get(0)));
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers));
            CountDownLatch latch = stall;
            if (latch != null) {
                latch.await(30, TimeUnit.SECONDS);
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
