package io.qmesh.proxy.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 upstream on a loopback port. It answers with its name, and obeys test headers:
 * {@code x-test-status} (answer that status), {@code x-test-delay-ms} (sleep first),
 * {@code x-test-fail-first} (answer 503 to the first N requests it sees); {@link #forcedStatus} makes
 * this one instance fail. It counts requests.
 */
public final class TestUpstream implements AutoCloseable {

    static {
        // Without it the JDK server's separate header and body writes meet delayed ACKs (40 ms each).
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final String name;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final AtomicInteger requests = new AtomicInteger();
    public final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
    public volatile String lastPath;
    /** The last request body (its first MiB; {@link #lastBodyBytes} and {@link #lastBodyCrc} cover all of it). */
    public volatile String lastBody;
    public volatile long lastBodyBytes;
    public volatile long lastBodyCrc;
    /** When > 0, every request is answered with this status (an instance made to fail). */
    public volatile int forcedStatus;
    /** When > 0, every request is answered after this many milliseconds (an instance made slow). */
    public volatile long forcedDelayMillis;

    public TestUpstream(String name) throws IOException {
        this.name = name;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    private void handle(HttpExchange ex) throws IOException {
        int n = requests.incrementAndGet();
        readBody(ex.getRequestBody());
        lastPath = ex.getRequestURI().toString();
        lastHeaders.clear();
        ex.getRequestHeaders().forEach((k, v) -> lastHeaders.put(k.toLowerCase(), String.join(",", v)));
        String delay = forcedDelayMillis > 0 ? Long.toString(forcedDelayMillis) : ex.getRequestHeaders().getFirst("x-test-delay-ms");
        if (delay != null) {
            try {
                Thread.sleep(Long.parseLong(delay));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int status = 200;
        String s = ex.getRequestHeaders().getFirst("x-test-status");
        if (s != null) {
            status = Integer.parseInt(s);
        }
        if (forcedStatus > 0) {
            status = forcedStatus;
        }
        String failFirst = ex.getRequestHeaders().getFirst("x-test-fail-first");
        if (failFirst != null && n <= Integer.parseInt(failFirst)) {
            status = 503;
        }
        byte[] body = name.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("x-upstream", name);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** Streams the body through (uploads may be far larger than this test JVM should hold). */
    private void readBody(java.io.InputStream in) throws IOException {
        java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        byte[] buf = new byte[64 * 1024];
        long count = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            count += n;
            crc.update(buf, 0, n);
            kept.write(buf, 0, Math.max(0, Math.min(n, (1 << 20) - kept.size())));
        }
        lastBody = kept.toString(StandardCharsets.UTF_8);
        lastBodyCrc = crc.getValue();
        lastBodyBytes = count;
    }

    public String name() {
        return name;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public int requests() {
        return requests.get();
    }

    public void reset() {
        requests.set(0);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
