package io.qmesh.bookinfo.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class OutboundHttpTest {

    /** Accepts one connection, records the request head, answers 200 "hello". */
    private static CompletableFuture<List<String>> answerOnce(ServerSocket server) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket socket = server.accept()) {
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                List<String> head = new ArrayList<>();
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    head.add(line);
                }
                OutputStream out = socket.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                return head;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void throughAProxyTheRequestIsInAbsoluteFormAndTheNameIsNeverResolved() throws Exception {
        try (ServerSocket proxy = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<List<String>> head = answerOnce(proxy);
            OutboundHttp http = new OutboundHttp(Optional.of("http://127.0.0.1:" + proxy.getLocalPort()));
            // "reviews.invalid" cannot resolve: the call only works if the client leaves the name to the proxy.
            OutboundResponse response = http.get(new ServiceEndpoint("reviews.invalid", 9080), "/reviews/0",
                    Map.of("x-request-id", "abc", "end-user", "jason"), Duration.ofSeconds(5));

            assertEquals(new OutboundResponse(200, "hello"), response);
            List<String> lines = head.get(5, TimeUnit.SECONDS);
            assertEquals("GET http://reviews.invalid:9080/reviews/0 HTTP/1.1", lines.get(0));
            assertTrue(lines.contains("Host: reviews.invalid:9080"), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.equalsIgnoreCase("x-request-id: abc")), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.equalsIgnoreCase("end-user: jason")), lines.toString());
            assertTrue(lines.stream().noneMatch(l -> l.toLowerCase().startsWith("upgrade:")), lines.toString());
        }
    }

    @Test
    void withoutAProxyTheRequestGoesStraightToTheTargetInOriginForm() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<List<String>> head = answerOnce(target);
            OutboundHttp http = new OutboundHttp(Optional.empty());
            OutboundResponse response = http.get(new ServiceEndpoint("127.0.0.1", target.getLocalPort()),
                    "/details/0", Map.of(), Duration.ofSeconds(5));

            assertEquals(200, response.status());
            List<String> lines = head.get(5, TimeUnit.SECONDS);
            assertEquals("GET /details/0 HTTP/1.1", lines.get(0));
            assertTrue(lines.contains("Host: 127.0.0.1:" + target.getLocalPort()), lines.toString());
        }
    }

    @Test
    void aTargetThatNeverAnswersTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            OutboundHttp http = new OutboundHttp(Optional.empty());
            long start = System.nanoTime();
            assertThrows(HttpTimeoutException.class, () -> http.get(
                    new ServiceEndpoint("127.0.0.1", silent.getLocalPort()), "/", Map.of(), Duration.ofMillis(300)));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
        }
    }

    @Test
    void proxySettingIsParsedOrRejectedNamingTheSetting() {
        assertEquals(new InetSocketAddress("127.0.0.1", 15001), OutboundHttp.parseProxy("127.0.0.1:15001"));
        assertEquals(new InetSocketAddress("127.0.0.1", 15001), OutboundHttp.parseProxy("http://127.0.0.1:15001/"));
        for (String bad : new String[] { "127.0.0.1", "http://127.0.0.1:15001/x", "user@h:1", "h:99999", "a b:1" }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OutboundHttp.parseProxy(bad), bad);
            assertEquals("bookinfo.outbound-proxy: '" + bad + "' (expected: host:port or http://host:port)",
                    e.getMessage());
        }
    }
}
