package io.qmesh.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Int32Value;
import com.google.protobuf.StringValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import io.qmesh.proxy.testing.FakeAdsServer;
import io.qmesh.proxy.testing.GrpcEchoServer;
import io.qmesh.proxy.testing.Mesh;
import io.qmesh.proxy.testing.ProxyHarness;
import io.qmesh.proxy.testing.TestUpstream;
import io.qmesh.proxy.xds.TypeUrls;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 through the proxy on loopback: a grpc-java client (h2c prior knowledge) through the proxy to
 * a grpc-java server whose cluster asks for HTTP/2 as pilot sends it; unary, server streaming with
 * trailers, an interactive bidi stream (each reply before the next message), client streaming far past
 * the request buffer, a gRPC fault abort, a retry on grpc-status unavailable, grpc-timeout under the
 * route's max_stream_duration, streams multiplexed on one upstream connection; HTTP/1.1 to an HTTP/2
 * upstream (trailers in the chunked response) and an {@code Upgrade: h2c} client to an HTTP/1.1 upstream.
 */
class GrpcProxyTest {

    static final String GRPC_FQDN = "grpc-echo.default.svc.cluster.local";
    static final String GRPC = Mesh.outbound(9090, "", GRPC_FQDN);
    static final String LIMITED = Mesh.outbound(9090, "limited", GRPC_FQDN);
    static final String WEB = Mesh.outbound(9080, "", Mesh.REVIEWS);
    static ProxyHarness h;
    static GrpcEchoServer grpc;
    static GrpcEchoServer limited;
    static TestUpstream web;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        grpc = new GrpcEchoServer();
        limited = new GrpcEchoServer(2);
        web = new TestUpstream("web");
        h = new ProxyHarness();
        h.ads.set(TypeUrls.CLUSTER, "c1", List.of(Mesh.http2(Mesh.edsCluster(GRPC, Cluster.LbPolicy.ROUND_ROBIN)),
                Mesh.http2(Mesh.edsCluster(LIMITED, Cluster.LbPolicy.ROUND_ROBIN)),
                Mesh.edsCluster(WEB, Cluster.LbPolicy.ROUND_ROBIN)));
        h.ads.set(TypeUrls.ENDPOINT, "e1", List.of(Mesh.endpoints(GRPC, grpc.address()),
                Mesh.endpoints(LIMITED, limited.address()), Mesh.endpoints(WEB, web.address())));
        h.ads.set(TypeUrls.LISTENER, "l1", List.of(Mesh.virtualOutbound(),
                Mesh.outboundHttpPort(9090, Mesh.faultFilter()), Mesh.boundHttpListener("h2c-edge", "edge")));
        HTTPFault unavailable = HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setGrpcStatus(14)
                .setPercentage(FractionalPercent.newBuilder().setNumerator(100))).build();
        Route aborted = Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPath("/test.Echo/Say").addHeaders(
                        io.envoyproxy.envoy.config.route.v3.HeaderMatcher.newBuilder().setName("x-fault").setPresentMatch(true)))
                .setRoute(RouteAction.newBuilder().setCluster(GRPC))
                .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(unavailable))
                .build();
        Route flaky = Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPath("/test.Echo/Flaky"))
                .setRoute(RouteAction.newBuilder().setCluster(GRPC).setRetryPolicy(RetryPolicy.newBuilder()
                        .setRetryOn("unavailable").setNumRetries(UInt32Value.of(2))
                        .setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder()
                                .setBaseInterval(Duration.newBuilder().setNanos(1_000_000)))))
                .build();
        h.ads.set(TypeUrls.ROUTE, "r1", List.of(
                Mesh.routeConfig(9090, GRPC_FQDN, aborted, flaky, Mesh.prefixRoute("/test.Echo/Slow", LIMITED),
                        hangUncapped(), hangWithoutMax(), hangCapped(), Mesh.prefixRoute("/", GRPC)),
                io.envoyproxy.envoy.config.route.v3.RouteConfiguration.newBuilder().setName("edge")
                        .addVirtualHosts(io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName("edge")
                                .addDomains("*").addRoutes(Mesh.prefixRoute("/", WEB)))
                        .build()));
        h.awaitReady();
        channel = NettyChannelBuilder.forAddress(h.outbound())
                .overrideAuthority(GRPC_FQDN + ":9090")
                .usePlaintext()
                .build();
    }

    /** Istio's shape for a route with a timeout: max_stream_duration.grpc_timeout_header_max = the timeout (200 ms). */
    static Route hangCapped() {
        return Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPath("/test.Echo/Hang"))
                .setRoute(RouteAction.newBuilder().setCluster(GRPC).setMaxStreamDuration(
                        RouteAction.MaxStreamDuration.newBuilder()
                                .setGrpcTimeoutHeaderMax(Duration.newBuilder().setNanos(200_000_000))))
                .build();
    }

    /**
     * Istio's shape for a route without a timeout: the deprecated max_grpc_timeout 0 (grpc-timeout,
     * uncapped). To the HTTP/1.1 upstream, which ignores grpc-timeout (a grpc-java server would enforce
     * the same deadline itself and race the proxy).
     */
    @SuppressWarnings("deprecation")
    static Route hangUncapped() {
        return Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPath("/test.Echo/Hang").addHeaders(
                        io.envoyproxy.envoy.config.route.v3.HeaderMatcher.newBuilder().setName("x-uncapped").setPresentMatch(true)))
                .setRoute(RouteAction.newBuilder().setCluster(WEB).setMaxGrpcTimeout(Duration.getDefaultInstance()))
                .build();
    }

    /** No max_stream_duration: grpc-timeout is not the proxy's to enforce. */
    static Route hangWithoutMax() {
        return Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPath("/test.Echo/Hang").addHeaders(
                        io.envoyproxy.envoy.config.route.v3.HeaderMatcher.newBuilder().setName("x-no-max").setPresentMatch(true)))
                .setRoute(RouteAction.newBuilder().setCluster(WEB))
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        h.close();
        grpc.close();
        limited.close();
        web.close();
    }

    @Test
    void unaryCallsShareOneUpstreamConnection() throws Exception {
        // Asynchronous calls: all 20 are in flight at once on the client's one HTTP/2 connection.
        List<Future<StringValue>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(ClientCalls.futureUnaryCall(channel.newCall(GrpcEchoServer.SAY, CallOptions.DEFAULT),
                    StringValue.of("n" + i)));
        }
        for (int i = 0; i < 20; i++) {
            assertEquals("hello n" + i, calls.get(i).get(10, TimeUnit.SECONDS).getValue());
        }
        // One downstream HTTP/2 connection lives on one event loop, whose pool multiplexes every
        // request as a stream on one upstream HTTP/2 connection.
        assertEquals(1, grpc.connections.get());
        assertTrue(h.accessLog.stream().anyMatch(e -> e.path().equals("/test.Echo/Say") && e.protocol().equals("HTTP/2")
                && e.status() == 200 && GRPC.equals(e.upstreamCluster())), "access log: " + h.accessLog);
        assertTrue(h.proxy.metrics().requests(l -> l.requestProtocol().equals("grpc") && l.responseCode().equals("200")) >= 20);
    }

    @Test
    void streamsBeyondTheUpstreamsConcurrencyLimitWaitOrGetAnotherConnection() throws Exception {
        List<Future<StringValue>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            calls.add(ClientCalls.futureUnaryCall(channel.newCall(GrpcEchoServer.SLOW,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)), StringValue.of("s" + i)));
        }
        for (int i = 0; i < 10; i++) {
            assertEquals("hello s" + i, calls.get(i).get(15, TimeUnit.SECONDS).getValue());
        }
        assertEquals(10, limited.calls.get(), "every call reached the upstream once (SETTINGS_MAX_CONCURRENT_STREAMS 2)");
    }

    @Test
    void serverStreamingDeliversEveryMessageAndTheTrailers() {
        Iterator<StringValue> it = ClientCalls.blockingServerStreamingCall(channel, GrpcEchoServer.COUNT,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), Int32Value.of(500));
        int n = 0;
        while (it.hasNext()) {
            assertEquals("message " + n, it.next().getValue());
            n++;
        }
        // hasNext() returning false (rather than throwing) means grpc-status 0 arrived in the trailers.
        assertEquals(500, n);
    }

    @Test
    void clientCancellationResetsTheUpstreamStream() throws Exception {
        ClientCall<Int32Value, StringValue> call = channel.newCall(GrpcEchoServer.TICK,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
        Iterator<StringValue> ticks = ClientCalls.blockingServerStreamingCall(call, Int32Value.of(0));
        for (int i = 0; i < 3; i++) {
            assertEquals("tick " + i, ticks.next().getValue());
        }
        call.cancel("enough", null);
        // Downstream RST_STREAM -> the exchange abandons its attempt -> upstream RST_STREAM.
        assertTrue(grpc.tickCancelled.await(5, TimeUnit.SECONDS), "the upstream saw the cancellation");
        FakeAdsServer.await("the exchange logged with DC", () -> h.accessLog.stream().anyMatch(e ->
                e.path().equals("/test.Echo/Tick") && e.format().contains("DC")));
    }

    @Test
    void grpcFaultAbortAnswersWithTheGrpcStatus() {
        int before = grpc.calls.get();
        Metadata faultHeader = new Metadata();
        faultHeader.put(Metadata.Key.of("x-fault", Metadata.ASCII_STRING_MARSHALLER), "1");
        Channel withHeader = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(faultHeader));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                withHeader, GrpcEchoServer.SAY, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                StringValue.of("x")));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
        assertEquals("fault filter abort", e.getStatus().getDescription());
        assertEquals(before, grpc.calls.get(), "an aborted call never reaches the upstream");
    }

    @Test
    void retryOnGrpcUnavailableReachesTheUpstreamAgain() {
        grpc.flakyFailures = 2;
        int before = grpc.calls.get();
        StringValue r = ClientCalls.blockingUnaryCall(channel, GrpcEchoServer.FLAKY,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), StringValue.of("again"));
        assertEquals("hello again", r.getValue());
        assertEquals(before + 3, grpc.calls.get(), "two UNAVAILABLE answers, then success");
        assertTrue(h.proxy.stats().get("cluster." + GRPC + ".upstream_rq_retry") >= 2);
    }

    /** A unary gRPC call written by hand over HTTP/1.1 (so that no client enforces a deadline); the raw response. */
    static String grpcOverHttp11(String path, String value, String extraHeaders) throws Exception {
        byte[] message = StringValue.of(value).toByteArray();
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0);
        frame.write(new byte[] {0, 0, 0, (byte) message.length});
        frame.write(message);
        try (Socket s = new Socket(h.outbound().getAddress(), h.outbound().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: " + GRPC_FQDN + ":9090\r\n"
                    + "content-type: application/grpc\r\nte: trailers\r\nconnection: close\r\n" + extraHeaders
                    + "content-length: " + frame.size() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(frame.toByteArray());
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void http11ClientReachesTheHttp2UpstreamAndGetsTrailers() throws Exception {
        String response = grpcOverHttp11("/test.Echo/Say", "h1", "");
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        assertTrue(response.toLowerCase().contains("transfer-encoding: chunked"), response);
        assertTrue(response.contains("hello h1"), response);
        assertFalse(response.toLowerCase().contains("x-http2-"), "HTTP/2 conversion headers stay inside: " + response);
        // The gRPC status travels in the chunked body's trailer section, after the last chunk.
        int lastChunk = response.indexOf("\r\n0\r\n");
        assertTrue(lastChunk > 0 && response.substring(lastChunk).contains("grpc-status: 0"), response);
    }

    @Test
    void h2cUpgradeFromAnHttp11ClientReachesAnHttp11Upstream() throws Exception {
        var edge = h.proxy.listenerAddress("h2c-edge");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        URI uri = URI.create("http://127.0.0.1:" + edge.getPort() + "/upgraded?q=1");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).header("x-n", Integer.toString(i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("web", r.body());
            // The first request rides the Upgrade (stream 1); the next ones are new streams.
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertEquals(Integer.toString(i), web.lastHeaders.get("x-n"));
        }
        assertEquals("/upgraded?q=1", web.lastPath);
        assertTrue(web.lastHeaders.keySet().stream().noneMatch(k -> k.startsWith("x-http2") || k.equals("upgrade")
                || k.equals("http2-settings")), "per-hop headers leaked: " + web.lastHeaders);
        assertTrue(h.accessLog.stream().anyMatch(e -> e.path().equals("/upgraded?q=1") && e.protocol().equals("HTTP/2")));
    }

    @Test
    void bidiStreamIsInteractive() throws Exception {
        BlockingQueue<Object> replies = new LinkedBlockingQueue<>();
        StreamObserver<StringValue> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(GrpcEchoServer.CHAT, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
                collectInto(replies));
        for (int i = 0; i < 20; i++) {
            requests.onNext(StringValue.of("ping " + i));
            // Each reply must arrive while the client still holds its half of the stream open.
            assertEquals("echo ping " + i, replies.poll(10, TimeUnit.SECONDS), "reply " + i);
        }
        requests.onCompleted();
        assertEquals("completed", replies.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void clientStreamingCarriesMoreThanTheBufferLimit() throws Exception {
        BlockingQueue<Object> replies = new LinkedBlockingQueue<>();
        StreamObserver<BytesValue> requests = ClientCalls.asyncClientStreamingCall(
                channel.newCall(GrpcEchoServer.COLLECT, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)),
                collectInto(replies));
        ByteString mib = ByteString.copyFrom(new byte[1 << 20]);
        for (int i = 0; i < 24; i++) {
            requests.onNext(BytesValue.of(mib));
        }
        requests.onCompleted();
        // 24 MiB through HTTP/2 on both sides, 24 times the proxy's request buffer.
        assertEquals("24 messages, " + (24L << 20) + " bytes", replies.poll(60, TimeUnit.SECONDS));
        assertEquals("completed", replies.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void grpcTimeoutCappedByTheRouteEndsTheCallWithDeadlineExceeded() throws Exception {
        int cancelledBefore = grpc.hangsCancelled.get();
        long start = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                channel, GrpcEchoServer.HANG, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                StringValue.of("x")));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode(), e.toString());
        // The proxy's answer (its message), at the route's 200 ms cap, long before the client's own 10 s.
        assertEquals("downstream duration timeout", e.getStatus().getDescription());
        assertTrue(millis >= 190 && millis < 5_000, millis + " ms");
        FakeAdsServer.await("the upstream stream was reset", () -> grpc.hangsCancelled.get() > cancelledBefore);
        FakeAdsServer.await("logged with UT", () -> h.accessLog.stream().anyMatch(l ->
                l.path().equals("/test.Echo/Hang") && l.format().contains(" 200 UT ")));
    }

    @Test
    void grpcTimeoutIsHonouredUncappedWithAZeroMaxAndIgnoredWithoutOne() throws Exception {
        long start = System.nanoTime();
        String hung = grpcOverHttp11("/test.Echo/Hang", "x",
                "x-uncapped: 1\r\ngrpc-timeout: 150m\r\nx-test-delay-ms: 2000\r\n");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(hung.startsWith("HTTP/1.1 200"), hung);
        assertTrue(hung.contains("grpc-status: 4"), "trailers-only DEADLINE_EXCEEDED: " + hung);
        assertTrue(millis >= 140 && millis < 5_000, millis + " ms");
        // Without max_stream_duration a 1 ms grpc-timeout is not the proxy's business: the slow answer arrives.
        String slow = grpcOverHttp11("/test.Echo/Hang", "late", "x-no-max: 1\r\ngrpc-timeout: 1m\r\nx-test-delay-ms: 300\r\n");
        assertTrue(slow.startsWith("HTTP/1.1 200") && slow.endsWith("web") && !slow.contains("grpc-status"), slow);
    }

    static <T> StreamObserver<T> collectInto(BlockingQueue<Object> queue) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                queue.add(value instanceof StringValue s ? s.getValue() : value);
            }

            @Override
            public void onError(Throwable t) {
                queue.add(t);
            }

            @Override
            public void onCompleted() {
                queue.add("completed");
            }
        };
    }
}
