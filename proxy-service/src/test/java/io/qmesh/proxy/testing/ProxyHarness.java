package io.qmesh.proxy.testing;

import io.qmesh.proxy.ProxyServer;
import io.qmesh.proxy.ProxySettings;
import io.qmesh.proxy.bootstrap.Bootstrap;
import io.qmesh.proxy.bootstrap.BootstrapLoader;
import io.qmesh.proxy.bootstrap.NodeType;
import io.qmesh.proxy.lb.RandomSource;
import io.qmesh.proxy.stats.AccessLogEntry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real proxy process-in-JVM wired to a {@link FakeAdsServer}, and an explicit-proxy HTTP client. */
public final class ProxyHarness implements AutoCloseable {

    public final FakeAdsServer ads;
    public final ProxyServer proxy;
    public final List<AccessLogEntry> accessLog = new CopyOnWriteArrayList<>();
    private HttpClient client;

    public ProxyHarness() throws IOException, InterruptedException {
        this(RandomSource.THREAD_LOCAL);
    }

    public ProxyHarness(RandomSource random) throws IOException, InterruptedException {
        this(random, ProxySettings.forTests());
    }

    public ProxyHarness(RandomSource random, ProxySettings settings) throws IOException, InterruptedException {
        this(random, settings, System::nanoTime);
    }

    /** @param resilienceTicker outlier detection's clock, so that tests can pass ejection times without sleeping */
    public ProxyHarness(RandomSource random, ProxySettings settings, java.util.function.LongSupplier resilienceTicker)
            throws IOException, InterruptedException {
        ads = new FakeAdsServer().start();
        Bootstrap bootstrap = BootstrapLoader.fromEnv(Map.of(
                "POD_NAME", "productpage-v1-abc", "POD_NAMESPACE", "default", "INSTANCE_IP", "127.0.0.1",
                "ISTIO_META_WORKLOAD_NAME", "productpage-v1",
                "ISTIO_METAJSON_LABELS", "{\"app\":\"productpage\",\"version\":\"v1\"}"),
                ads.address(), NodeType.SIDECAR);
        proxy = new ProxyServer(bootstrap, settings, accessLog::add, random, resilienceTicker).start();
    }

    /** The bound address of the virtualOutbound listener (after LDS arrived). */
    public InetSocketAddress outbound() {
        return proxy.listenerAddress("virtualOutbound");
    }

    /** An HTTP/1.1 client that sends absolute-form requests through virtualOutbound (explicit proxy). */
    public HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .proxy(ProxySelector.of(outbound()))
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
        }
        return client;
    }

    public HttpResponse<String> get(String url, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public void awaitReady() throws InterruptedException {
        FakeAdsServer.await("proxy ready", proxy::ready);
    }

    @Override
    public void close() throws Exception {
        proxy.close();
        ads.close();
    }
}
