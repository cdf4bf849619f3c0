package io.qmesh.proxy.testing;

import com.google.protobuf.Int32Value;
import com.google.protobuf.StringValue;
import io.grpc.Attributes;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real grpc-java server (HTTP/2, h2c) on a loopback port with a tiny hand-described service, so no
 * code generation is needed: {@code test.Echo/Say} (unary, "hello " + the request),
 * {@code test.Echo/Count} (server streaming: n messages) and {@code test.Echo/Flaky} (UNAVAILABLE for
 * the first {@link #flakyFailures} calls, then like Say), {@code test.Echo/Slow} (Say after 100 ms), {@code test.Echo/Tick} (a message every 10 ms
 * until the client cancels), {@code test.Echo/Chat} (bidi: "echo " + each message as it arrives),
 * {@code test.Echo/Collect} (client streaming: message count and total size once the client
 * half-closes), {@code test.Echo/Hang} (unary that never answers; counts its cancellations). It counts
 * calls and HTTP/2 connections.
 */
public final class GrpcEchoServer implements AutoCloseable {

    public static final String SERVICE = "test.Echo";
    public static final MethodDescriptor<StringValue, StringValue> SAY = unary("Say");
    public static final MethodDescriptor<StringValue, StringValue> FLAKY = unary("Flaky");
    public static final MethodDescriptor<StringValue, StringValue> SLOW = unary("Slow");
    public static final MethodDescriptor<Int32Value, StringValue> COUNT = MethodDescriptor.<Int32Value, StringValue>newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Count"))
            .setRequestMarshaller(ProtoUtils.marshaller(Int32Value.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
            .build();

    public static final MethodDescriptor<Int32Value, StringValue> TICK = COUNT.toBuilder()
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Tick"))
            .build();

    public static final MethodDescriptor<StringValue, StringValue> CHAT = SAY.toBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Chat"))
            .build();
    public static final MethodDescriptor<com.google.protobuf.BytesValue, StringValue> COLLECT =
            MethodDescriptor.<com.google.protobuf.BytesValue, StringValue>newBuilder()
                    .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Collect"))
                    .setRequestMarshaller(ProtoUtils.marshaller(com.google.protobuf.BytesValue.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                    .build();
    public static final MethodDescriptor<StringValue, StringValue> HANG = unary("Hang");

    public final AtomicInteger calls = new AtomicInteger();
    /** Hang calls cancelled by their client (or by the proxy on their behalf). */
    public final AtomicInteger hangsCancelled = new AtomicInteger();
    /** Counted down when a Tick stream is cancelled by its client (an RST_STREAM that reached this server). */
    public final CountDownLatch tickCancelled = new CountDownLatch(1);
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    public final AtomicInteger connections = new AtomicInteger();
    public volatile int flakyFailures;
    private final AtomicInteger flakyCalls = new AtomicInteger();
    private final Server server;

    private static MethodDescriptor<StringValue, StringValue> unary(String name) {
        return MethodDescriptor.<StringValue, StringValue>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                .build();
    }

    public GrpcEchoServer() throws IOException {
        this(Integer.MAX_VALUE);
    }

    /** @param maxConcurrentStreams the SETTINGS_MAX_CONCURRENT_STREAMS this server announces */
    public GrpcEchoServer(int maxConcurrentStreams) throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
                .addMethod(SAY, ServerCalls.asyncUnaryCall((req, out) -> {
                    calls.incrementAndGet();
                    out.onNext(StringValue.of("hello " + req.getValue()));
                    out.onCompleted();
                }))
                .addMethod(SLOW, ServerCalls.asyncUnaryCall((req, out) -> {
                    calls.incrementAndGet();
                    ticker.schedule(() -> {
                        out.onNext(StringValue.of("hello " + req.getValue()));
                        out.onCompleted();
                    }, 100, TimeUnit.MILLISECONDS);
                }))
                .addMethod(FLAKY, ServerCalls.asyncUnaryCall((req, out) -> {
                    calls.incrementAndGet();
                    if (flakyCalls.incrementAndGet() <= flakyFailures) {
                        out.onError(Status.UNAVAILABLE.withDescription("flaky").asRuntimeException());
                        return;
                    }
                    out.onNext(StringValue.of("hello " + req.getValue()));
                    out.onCompleted();
                }))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(out -> {
                    calls.incrementAndGet();
                    return new io.grpc.stub.StreamObserver<StringValue>() {
                        @Override
                        public void onNext(StringValue v) {
                            out.onNext(StringValue.of("echo " + v.getValue()));
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                            out.onCompleted();
                        }
                    };
                }))
                .addMethod(COLLECT, ServerCalls.asyncClientStreamingCall(out -> {
                    calls.incrementAndGet();
                    return new io.grpc.stub.StreamObserver<com.google.protobuf.BytesValue>() {
                        int messages;
                        long bytes;

                        @Override
                        public void onNext(com.google.protobuf.BytesValue v) {
                            messages++;
                            bytes += v.getValue().size();
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                            out.onNext(StringValue.of(messages + " messages, " + bytes + " bytes"));
                            out.onCompleted();
                        }
                    };
                }))
                .addMethod(HANG, ServerCalls.asyncUnaryCall((req, out) -> {
                    calls.incrementAndGet();
                    ((ServerCallStreamObserver<StringValue>) out).setOnCancelHandler(hangsCancelled::incrementAndGet);
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    calls.incrementAndGet();
                    for (int i = 0; i < req.getValue(); i++) {
                        out.onNext(StringValue.of("message " + i));
                    }
                    out.onCompleted();
                }))
                .addMethod(TICK, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    calls.incrementAndGet();
                    ServerCallStreamObserver<StringValue> call = (ServerCallStreamObserver<StringValue>) out;
                    call.setOnCancelHandler(tickCancelled::countDown);
                    AtomicInteger n = new AtomicInteger();
                    ticker.scheduleAtFixedRate(() -> {
                        if (!call.isCancelled()) {
                            call.onNext(StringValue.of("tick " + n.getAndIncrement()));
                        } else {
                            throw new IllegalStateException("stop ticking"); // ends this schedule
                        }
                    }, 0, 10, TimeUnit.MILLISECONDS);
                }))
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(service)
                .maxConcurrentCallsPerConnection(maxConcurrentStreams)
                .addTransportFilter(new ServerTransportFilter() {
                    @Override
                    public Attributes transportReady(Attributes attrs) {
                        connections.incrementAndGet();
                        return attrs;
                    }
                })
                .build()
                .start();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.getPort());
    }

    @Override
    public void close() throws InterruptedException {
        ticker.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
