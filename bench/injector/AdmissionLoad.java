import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Open-loop constant-rate load for the injector webhook, measured with HdrHistogram.
 *
 * <pre>
 * java -cp HdrHistogram.jar bench/injector/AdmissionLoad.java \
 *     --url https://localhost:18017/inject --ca ca.crt --body review.json --rate 200 --seconds 15 --warmup 5 \
 *     [--workers 8] [--http 1.1|2]
 * </pre>
 *
 * Request i is due at start + i/rate, whatever happened to earlier ones; its latency is counted
 * from that due time, not from when it was actually sent, so a stall is charged to every request
 * it delayed (no coordinated omission). Requests are spread over {@code --workers} threads (8),
 * each sending synchronously on its own connection: more workers than requests in flight, so a
 * worker is idle when its next request falls due unless the server (or the machine) stalls. HTTP/1.1 keep-alive by default ({@code --http 2} for
 * HTTP/2), TLS verified against the injector's CA. Every response
 * must be HTTP 200 with {@code "allowed":true}; anything else is counted as an error.
 *
 * Prints one line: {@code p50_us p90_us p99_us p999_us max_us count errors achieved_rps}.
 */
public final class AdmissionLoad {

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            flags.put(args[i], args[i + 1]);
        }
        URI url = URI.create(required(flags, "--url"));
        byte[] body = Files.readAllBytes(Path.of(required(flags, "--body")));
        double rate = Double.parseDouble(flags.getOrDefault("--rate", "200"));
        long seconds = Long.parseLong(flags.getOrDefault("--seconds", "15"));
        long warmupSeconds = Long.parseLong(flags.getOrDefault("--warmup", "5"));
        int workers = Integer.parseInt(flags.getOrDefault("--workers", "8"));

        HttpClient client = HttpClient.newBuilder()
                .version(flags.getOrDefault("--http", "1.1").equals("2") ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                .sslContext(trusting(Path.of(required(flags, "--ca"))))
                .connectTimeout(Duration.ofSeconds(30))
                .build();
        HttpRequest request = HttpRequest.newBuilder(url)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();

        // One request first, synchronously: it opens (TLS handshake included) the connection later
        // requests reuse; a burst of concurrent first requests would each open one.
        HttpResponse<String> first = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (first.statusCode() != 200 || !first.body().contains("\"allowed\":true")) {
            System.err.println("AdmissionLoad: unexpected first response " + first.statusCode() + " " + first.body());
            System.exit(1);
        }

        Histogram latency = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
        AtomicLong errors = new AtomicLong();
        long periodNanos = (long) (TimeUnit.SECONDS.toNanos(1) / rate);
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
        // Worker w sends requests w, w + workers, w + 2 * workers, ... each at its due time, over its
        // own kept-alive connection. A worker that falls behind sends at once, and the wait counts.
        Thread[] threads = new Thread[workers];
        for (int w = 0; w < workers; w++) {
            int worker = w;
            threads[w] = new Thread(() -> {
                for (long i = worker; ; i += workers) {
                    long due = start + i * periodNanos;
                    if (due >= end) {
                        return;
                    }
                    for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                        LockSupport.parkNanos(wait); // may return early: wait again
                    }
                    boolean ok;
                    String failure = null;
                    try {
                        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                        ok = response.statusCode() == 200 && response.body().contains("\"allowed\":true");
                        if (!ok) {
                            failure = response.statusCode() + " " + response.body();
                        }
                    } catch (Exception e) {
                        ok = false;
                        failure = e.toString();
                    }
                    long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - due);
                    if (due < measureFrom) {
                        continue;
                    }
                    if (ok) {
                        latency.recordValue(Math.min(micros, latency.getHighestTrackableValue()));
                    } else if (errors.getAndIncrement() == 0) {
                        System.err.println("first error: " + failure);
                    }
                }
            }, "worker-" + w);
            threads[w].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double achieved = latency.getTotalCount() / (double) seconds;
        System.out.printf("%d %d %d %d %d %d %d %.1f%n",
                latency.getValueAtPercentile(50), latency.getValueAtPercentile(90),
                latency.getValueAtPercentile(99), latency.getValueAtPercentile(99.9), latency.getMaxValue(),
                latency.getTotalCount(), errors.get(), achieved);
        System.exit(errors.get() == 0 ? 0 : 1);
    }

    private static String required(Map<String, String> flags, String name) {
        String value = flags.get(name);
        if (value == null) {
            System.err.println("AdmissionLoad: " + name + " is required");
            System.exit(2);
        }
        return value;
    }

    private static SSLContext trusting(Path caFile) throws Exception {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        }
    }
}
