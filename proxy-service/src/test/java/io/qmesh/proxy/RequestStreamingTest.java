package io.qmesh.proxy;

import static io.qmesh.proxy.ProxyResilienceTest.delay;
import static io.qmesh.proxy.ProxyResilienceTest.fault;
import static io.qmesh.proxy.ProxyResilienceTest.ms;
import static io.qmesh.proxy.ProxyResilienceTest.route;
import static io.qmesh.proxy.testing.Mesh.REVIEWS;
import static io.qmesh.proxy.testing.Mesh.outbound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.qmesh.proxy.http.HttpLimits;
import io.qmesh.proxy.testing.FakeAdsServer;
import io.qmesh.proxy.testing.Mesh;
import io.qmesh.proxy.testing.ProxyHarness;
import io.qmesh.proxy.testing.TestUpstream;
import io.qmesh.proxy.xds.TypeUrls;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 request bodies stream through the proxy (the gRPC streaming cases are in GrpcProxyTest):
 * 100 MiB without the proxy holding it, retries that replay a small body, a large body that is
 * proxied but not retried, 100-continue, a fault delay holding the body, a mirror getting its copy.
 * The request buffer is 1 MiB ({@link HttpLimits#DEFAULT}, Envoy's per_connection_buffer_limit_bytes).
 */
class RequestStreamingTest {

    static final String V1 = outbound(9080, "v1", REVIEWS);
    static final String V2 = outbound(9080, "v2", REVIEWS);
    static final int MIB = 1 << 20;
    static ProxyHarness h;
    static TestUpstream v1;
    static TestUpstream v2;

    @BeforeAll
    static void start() throws Exception {
        v1 = new TestUpstream("reviews-v1");
        v2 = new TestUpstream("reviews-v2");
        h = new ProxyHarness();
        RetryPolicy retry5xx = RetryPolicy.newBuilder().setRetryOn("5xx").setNumRetries(UInt32Value.of(2))
                .setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(ms(1))).build();
        h.ads.set(TypeUrls.CLUSTER, "c1", List.of(Mesh.edsCluster(V1, Cluster.LbPolicy.ROUND_ROBIN),
                Mesh.edsCluster(V2, Cluster.LbPolicy.ROUND_ROBIN)));
        h.ads.set(TypeUrls.ENDPOINT, "e1", List.of(Mesh.endpoints(V1, v1.address()), Mesh.endpoints(V2, v2.address())));
        h.ads.set(TypeUrls.LISTENER, "l1", List.of(Mesh.virtualOutbound(), Mesh.outboundHttpPort(9080, Mesh.faultFilter())));
        h.ads.set(TypeUrls.ROUTE, "r1", List.of(Mesh.routeConfig(9080, REVIEWS,
                route("/retry", RouteAction.newBuilder().setCluster(V1).setRetryPolicy(retry5xx)),
                route("/mirror", RouteAction.newBuilder().setCluster(V1).addRequestMirrorPolicies(
                        RouteAction.RequestMirrorPolicy.newBuilder().setCluster(V2))),
                fault(route("/delay", RouteAction.newBuilder().setCluster(V1)), delay(200)),
                route("/", RouteAction.newBuilder().setCluster(V1).setTimeout(ms(0))))));
        h.awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
        v1.close();
        v2.close();
    }

    @BeforeEach
    void resetCounts() {
        v1.reset();
    }

    long abandoned() {
        return h.proxy.stats().get("cluster." + V1 + ".retry_or_shadow_abandoned");
    }

    @Test
    void aHundredMebibyteUploadStreamsThroughWithoutTheProxyHoldingIt() throws Exception {
        long size = 100L * MIB;
        long abandonedBefore = abandoned();
        PseudoRandomBody body = new PseudoRandomBody(size);
        // Netty's allocator serves only the proxy in this JVM (gRPC here is shaded): its peak is the proxy's.
        ByteBufAllocatorMetric netty = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        AtomicLong peak = new AtomicLong();
        AtomicBoolean uploading = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (uploading.get()) {
                peak.accumulateAndGet(netty.usedDirectMemory() + netty.usedHeapMemory(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        HttpResponse<String> r;
        try {
            // No length: the JDK client sends it chunked; the route has retries, so the proxy buffers
            // until 1 MiB and then gives the buffer (and the retries) up.
            r = h.client().send(HttpRequest.newBuilder(URI.create("http://reviews:9080/retry/upload"))
                    .timeout(Duration.ofSeconds(120))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body)).build(), HttpResponse.BodyHandlers.ofString());
        } finally {
            uploading.set(false);
            sampler.join();
        }
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(size, v1.lastBodyBytes);
        assertEquals(body.crc(), v1.lastBodyCrc, "every byte arrived, in order");
        assertEquals(abandonedBefore + 1, abandoned(), "the retry buffer was given up at its limit");
        // Buffering the body would take over 100 MiB; streaming takes the 1 MiB buffer, socket buffers
        // and the allocator's own chunks (4 MiB each, per event loop).
        assertTrue(peak.get() < 40L * MIB, "peak Netty memory " + peak.get() / MIB + " MiB");
    }

    @Test
    void aRetryReplaysTheBodyOfASmallPost() throws Exception {
        long abandonedBefore = abandoned();
        HttpResponse<String> r = h.client().send(HttpRequest.newBuilder(URI.create("http://reviews:9080/retry/small"))
                .header("x-test-fail-first", "1").POST(HttpRequest.BodyPublishers.ofString("a small body")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(2, v1.requests(), "one failure, one retry");
        assertEquals("a small body", v1.lastBody, "the retry carried the whole body again");
        assertEquals(abandonedBefore, abandoned());
    }

    @Test
    void aLargePostFailingUpstreamIsProxiedButNotRetried() throws Exception {
        long abandonedBefore = abandoned();
        byte[] large = new byte[4 * MIB];
        HttpResponse<String> r = h.client().send(HttpRequest.newBuilder(URI.create("http://reviews:9080/retry/large"))
                .header("x-test-status", "503").POST(HttpRequest.BodyPublishers.ofByteArray(large)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(503, r.statusCode());
        assertEquals("reviews-v1", r.body(), "the upstream's own answer");
        assertEquals(1, v1.requests(), "4 MiB is past the 1 MiB retry buffer: no retry");
        assertEquals(large.length, v1.lastBodyBytes);
        assertEquals(abandonedBefore + 1, abandoned());
        FakeAdsServer.await("logged", () -> h.accessLog.stream().anyMatch(e -> e.path().equals("/retry/large")
                && e.status() == 503 && !e.format().contains("URX")));
    }

    @Test
    void expect100ContinueIsAnsweredBeforeTheBodyIsSent() throws Exception {
        try (Socket s = new Socket(h.outbound().getAddress(), h.outbound().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(("POST http://reviews:9080/continue HTTP/1.1\r\nHost: reviews:9080\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 5\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String interim = readUntil(in, "\r\n\r\n");
            assertTrue(interim.startsWith("HTTP/1.1 100 Continue"), interim);
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
        }
        assertEquals("hello", v1.lastBody);
        assertFalse(v1.lastHeaders.containsKey("expect"), "the proxy answered the expectation itself");
    }

    @Test
    void aFaultDelayHoldsTheBodyUntilTheRequestGoesOn() throws Exception {
        byte[] body = new byte[300 * 1024];
        java.util.Arrays.fill(body, (byte) 'x');
        HttpResponse<String> r = h.client().send(HttpRequest.newBuilder(URI.create("http://reviews:9080/delay/post"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(body.length, v1.lastBodyBytes);
    }

    @Test
    void aMirrorGetsACopyOfTheBody() throws Exception {
        v2.lastBody = null;
        HttpResponse<String> r = h.client().send(HttpRequest.newBuilder(URI.create("http://reviews:9080/mirror/post"))
                .POST(HttpRequest.BodyPublishers.ofString("mirrored body")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("mirrored body", v1.lastBody);
        FakeAdsServer.await("the shadow got the body", () -> "mirrored body".equals(v2.lastBody));
        assertEquals("reviews-shadow:9080", v2.lastHeaders.get("host"));
    }

    static String readUntil(InputStream in, String end) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while (!sb.toString().endsWith(end) && (c = in.read()) >= 0) {
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** {@code size} deterministic pseudo-random bytes, generated as they are read; their CRC32 once read. */
    static final class PseudoRandomBody extends InputStream {
        private final CRC32 crc = new CRC32();
        private long remaining;
        private long state = 0x9E3779B97F4A7C15L;

        PseudoRandomBody(long size) {
            this.remaining = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (remaining == 0) {
                return -1;
            }
            int n = (int) Math.min(len, remaining);
            for (int i = 0; i < n; i++) {
                state = state * 6364136223846793005L + 1442695040888963407L;
                b[off + i] = (byte) (state >>> 56);
            }
            crc.update(b, off, n);
            remaining -= n;
            return n;
        }

        long crc() {
            return crc.getValue();
        }
    }
}
