package io.qmesh.pilot.bench;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated sidecars for bench/pilot-xds.sh: N ADS streams that subscribe as Envoy does (CDS, then EDS
 * for the EDS clusters, LDS, then RDS for the route names the listeners use) and ACK every response.
 * They connect in batches of {@value #CONNECT_BATCH}, each once the previous batch has its routes.
 * Then it changes one VirtualService K times and measures, per change, the time from the API call to
 * the moment every proxy has received (and ACKed) the new route configuration, plus bytes per proxy.
 *
 * <p>Usage: {@code AdsLoad <xds host:port> <http base url> <pilot pid> <proxies> <services> <changes>}
 */
public final class AdsLoad {
    private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    private static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    private static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
    private static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

    /** One simulated sidecar. */
    static final class Sidecar implements StreamObserver<DiscoveryResponse> {
        final int index;
        StreamObserver<DiscoveryRequest> out;
        volatile String rdsVersion = "";
        volatile long rdsAt;
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong responses = new AtomicLong();
        private List<String> edsNames = List.of();
        private List<String> rdsNames = List.of();
        private String edsNonce = "";
        private String rdsNonce = "";
        private boolean ldsRequested;

        Sidecar(int index) {
            this.index = index;
        }

        @Override
        public synchronized void onNext(DiscoveryResponse r) {
            bytes.addAndGet(r.getSerializedSize());
            responses.incrementAndGet();
            try {
                switch (r.getTypeUrl()) {
                    case CDS -> {
                        ack(r, List.of());
                        List<String> names = new ArrayList<>();
                        for (Any a : r.getResourcesList()) {
                            Cluster c = a.unpack(Cluster.class);
                            if (c.getType() == Cluster.DiscoveryType.EDS) {
                                names.add(c.getName());
                            }
                        }
                        if (!names.equals(edsNames)) {
                            edsNames = names;
                            request(EDS, edsNames, "", edsNonce);
                        }
                        if (!ldsRequested) {
                            ldsRequested = true;
                            request(LDS, List.of(), "", "");
                        }
                    }
                    case EDS -> {
                        edsNonce = r.getNonce();
                        ack(r, edsNames);
                    }
                    case LDS -> {
                        ack(r, List.of());
                        TreeSet<String> names = new TreeSet<>();
                        for (Any a : r.getResourcesList()) {
                            for (FilterChain fc : a.unpack(Listener.class).getFilterChainsList()) {
                                for (Filter f : fc.getFiltersList()) {
                                    if (f.getTypedConfig().is(HttpConnectionManager.class)) {
                                        HttpConnectionManager h = f.getTypedConfig().unpack(HttpConnectionManager.class);
                                        if (h.hasRds()) {
                                            names.add(h.getRds().getRouteConfigName());
                                        }
                                    }
                                }
                            }
                        }
                        if (!List.copyOf(names).equals(rdsNames)) {
                            rdsNames = List.copyOf(names);
                            request(RDS, rdsNames, "", rdsNonce);
                        }
                    }
                    case RDS -> {
                        rdsNonce = r.getNonce();
                        ack(r, rdsNames);
                        rdsAt = System.nanoTime();
                        rdsVersion = r.getVersionInfo();
                    }
                    default -> {
                    }
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
        }

        private void ack(DiscoveryResponse r, List<String> names) {
            request(r.getTypeUrl(), names, r.getVersionInfo(), r.getNonce());
        }

        void request(String type, List<String> names, String version, String nonce) {
            out.onNext(DiscoveryRequest.newBuilder().setTypeUrl(type).addAllResourceNames(names)
                    .setVersionInfo(version).setResponseNonce(nonce).build());
        }

        @Override
        public void onError(Throwable t) {
            System.err.println("sidecar " + index + ": " + t);
        }

        @Override
        public void onCompleted() {
        }
    }

    public static void main(String[] args) throws Exception {
        String[] xds = args[0].split(":");
        String http = args[1];
        long pid = Long.parseLong(args[2]);
        int proxies = Integer.parseInt(args[3]);
        int services = Integer.parseInt(args[4]);
        int changes = Integer.parseInt(args[5]);
        HttpClient client = HttpClient.newHttpClient();

        put(client, http + "/apply?namespace=default", destinationRule());
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            channels.add(NettyChannelBuilder.forAddress(xds[0], Integer.parseInt(xds[1])).usePlaintext()
                    .maxInboundMessageSize(256 << 20).build());
        }
        List<Sidecar> sidecars = new ArrayList<>();
        long connectStart = System.nanoTime();
        for (int i = 0; i < proxies; i++) {
            Sidecar s = new Sidecar(i);
            s.out = AggregatedDiscoveryServiceGrpc.newStub(channels.get(i % channels.size())).streamAggregatedResources(s);
            synchronized (s) {
                s.out.onNext(DiscoveryRequest.newBuilder().setTypeUrl(CDS).setNode(node(i, services)).build());
            }
            sidecars.add(s);
            if (sidecars.size() % CONNECT_BATCH == 0) {
                awaitRoutes(sidecars.subList(sidecars.size() - CONNECT_BATCH, sidecars.size()), 120);
            }
        }
        awaitQuiet(sidecars, Math.max(120, proxies / 4));
        double connectSeconds = (System.nanoTime() - connectStart) / 1e9 - 2.0;
        System.out.printf("connected %d sidecars (%d services) and reached a quiet state in %.1f s%n",
                proxies, services, connectSeconds);

        long[] allAcked = new long[changes];
        long[] putTimes = new long[changes];
        List<Long> perProxy = new ArrayList<>();
        long bytesBefore = sidecars.stream().mapToLong(s -> s.bytes.get()).sum();
        double cpuBefore = cpuSeconds(pid);
        for (int c = 0; c < changes; c++) {
            String[] before = sidecars.stream().map(s -> s.rdsVersion).toArray(String[]::new);
            long t0 = System.nanoTime();
            put(client, http + "/apis/networking.istio.io/v1/namespaces/default/virtualservices/svc-0",
                    virtualService(c));
            putTimes[c] = System.nanoTime() - t0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                boolean all = true;
                for (int i = 0; i < proxies && all; i++) {
                    all = !sidecars.get(i).rdsVersion.equals(before[i]);
                }
                if (all || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(1);
            }
            int missed = 0;
            for (int i = 0; i < proxies; i++) {
                missed += sidecars.get(i).rdsVersion.equals(before[i]) ? 1 : 0;
            }
            if (missed > 0) {
                System.out.printf("WARNING: change %d did not reach %d proxies within 120 s%n", c, missed);
            }
            long last = 0;
            for (Sidecar s : sidecars) {
                long d = s.rdsAt - t0;
                perProxy.add(d);
                last = Math.max(last, d);
            }
            allAcked[c] = last;
            Thread.sleep(300);
        }
        double cpu = cpuSeconds(pid) - cpuBefore;
        long bytes = sidecars.stream().mapToLong(s -> s.bytes.get()).sum() - bytesBefore;
        Arrays.sort(allAcked);
        long[] each = perProxy.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("VirtualService change -> all %d proxies ACKed RDS: p50 %.0f ms, p99 %.0f ms (over %d changes)%n",
                proxies, pct(allAcked, 50) / 1e6, pct(allAcked, 99) / 1e6, changes);
        System.out.printf("per proxy: p50 %.0f ms, p99 %.0f ms%n", pct(each, 50) / 1e6, pct(each, 99) / 1e6);
        Arrays.sort(putTimes);
        System.out.printf("of which the REST PUT (parse, validate, fsync'd write): p50 %.0f ms, max %.0f ms; then the %s debounce%n",
                pct(putTimes, 50) / 1e6, putTimes[changes - 1] / 1e6, "100 ms");
        System.out.printf("bytes sent per proxy per change: %d%n", bytes / proxies / changes);
        System.out.printf("pilot CPU during the changes: %.2f s; pilot peak RSS: %d MB%n", cpu, peakRssKb(pid) / 1024);
        channels.forEach(ManagedChannel::shutdownNow);
        System.exit(0);
    }

    /** Sidecars start in batches, each batch once the previous one has its routes, as pods of a rollout do. */
    private static final int CONNECT_BATCH = 50;

    private static void awaitRoutes(List<Sidecar> batch, int timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (batch.stream().anyMatch(s -> s.rdsVersion.isEmpty())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("a batch of sidecars got no routes within " + timeoutSeconds + " s");
            }
            Thread.sleep(10);
        }
    }

    private static void awaitQuiet(List<Sidecar> sidecars, int timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        long lastCount = -1;
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long count = sidecars.stream().mapToLong(s -> s.responses.get()).sum();
            boolean allRoutes = sidecars.stream().allMatch(s -> !s.rdsVersion.isEmpty());
            if (count != lastCount || !allRoutes) {
                lastCount = count;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(2)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("sidecars did not settle within " + timeoutSeconds + " s");
    }

    private static double pct(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static Node node(int i, int services) {
        String app = "svc-" + (i % services);
        String version = "v" + (1 + (i / services) % 2);
        String ip = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
        String pod = app + "-" + i;
        return Node.newBuilder().setId("sidecar~" + ip + "~" + pod + ".default~default.svc.cluster.local")
                .setMetadata(Struct.newBuilder()
                        .putFields("NAME", str(pod))
                        .putFields("NAMESPACE", str("default"))
                        .putFields("INSTANCE_IPS", str(ip))
                        .putFields("LABELS", Value.newBuilder().setStructValue(Struct.newBuilder()
                                .putFields("app", str(app)).putFields("version", str(version))).build())
                        .putFields("POD_PORTS", str("[{\"name\":\"http\",\"containerPort\":9080,\"protocol\":\"TCP\"}]")))
                .build();
    }

    private static Value str(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    static String destinationRule() {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: svc-0}
                spec:
                  host: svc-0
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                """;
    }

    /** Change c moves the split between v1 and v2 by one percent. */
    static String virtualService(int c) {
        int w = 10 + c % 80;
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: svc-0}
                spec:
                  hosts: [svc-0]
                  http:
                  - route:
                    - destination: {host: svc-0, subset: v1}
                      weight: %d
                    - destination: {host: svc-0, subset: v2}
                      weight: %d
                """.formatted(w, 100 - w);
    }

    private static void put(HttpClient client, String url, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/yaml");
        HttpRequest req = url.contains("/apply") ? b.POST(HttpRequest.BodyPublishers.ofString(body)).build()
                : b.PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404 && !url.contains("/apply")) {
            String collection = url.substring(0, url.lastIndexOf('/'));
            r = client.send(b.uri(URI.create(collection)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        if (r.statusCode() >= 300) {
            throw new IllegalStateException(url + " -> " + r.statusCode() + " " + r.body());
        }
    }

    /** utime + stime of the process, from /proc (Linux), in seconds at the usual 100 ticks per second. */
    private static double cpuSeconds(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    private static long peakRssKb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }
}
