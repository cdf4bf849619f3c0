package io.qmesh.pilot.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.qmesh.pilot.xds.BookinfoMesh;
import io.qmesh.pilot.xds.TypeUrls;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules API and debug endpoints over real HTTP, with a real ADS client for the debug views. */
@QuarkusTest
class RulesApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VS = "apis/networking.istio.io/v1/namespaces/api-test/virtualservices";

    @TestHTTPResource("/")
    URL base;

    @Inject
    PilotRuntime runtime;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/yaml")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void crudWithVersionAliases() throws Exception {
        String vs = BookinfoMesh.resource("/bookinfo/virtual-service-reviews-test-v2.yaml");

        HttpResponse<String> created = send("POST", VS, vs);
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("reviews", json(created).at("/metadata/name").asText());
        assertTrue(created.headers().allValues("Warning").stream().anyMatch(w -> w.contains("'v2' is not defined by any DestinationRule")),
                created.headers().toString());

        assertEquals(409, send("POST", VS, vs).statusCode());
        HttpResponse<String> alias = send("GET", "apis/networking.istio.io/v1alpha3/namespaces/api-test/virtualservices/reviews", null);
        assertEquals(200, alias.statusCode());
        assertEquals("networking.istio.io/v1alpha3", json(alias).at("/apiVersion").asText());
        assertEquals("jason", json(alias).at("/spec/http/0/match/0/headers/end-user/exact").asText());

        HttpResponse<String> replaced = send("PUT", VS + "/reviews", BookinfoMesh.resource("/bookinfo/virtual-service-reviews-50-v3.yaml"));
        assertEquals(200, replaced.statusCode(), replaced.body());
        assertEquals(50, json(replaced).at("/spec/http/0/route/1/weight").asInt());

        HttpResponse<String> list = send("GET", "apis/networking.istio.io/v1beta1/namespaces/api-test/virtualservices", null);
        assertEquals("VirtualServiceList", json(list).at("/kind").asText());
        assertEquals(1, json(list).at("/items").size());

        assertEquals(200, send("DELETE", VS + "/reviews", null).statusCode());
        assertEquals(404, send("GET", VS + "/reviews", null).statusCode());
        assertEquals(404, send("DELETE", VS + "/reviews", null).statusCode());
    }

    @Test
    void invalidObjectIsRejectedWithTheFieldPath() throws Exception {
        String bad = BookinfoMesh.resource("/invalid/virtual-service-negative-weight.yaml");

        HttpResponse<String> r = send("POST", VS, bad);

        assertEquals(422, r.statusCode());
        JsonNode status = json(r);
        assertEquals("Status", status.at("/kind").asText());
        assertEquals("spec.http[0].route[1].weight", status.at("/details/causes/0/field").asText());
        assertEquals("-5 (expected: >= 0)", status.at("/details/causes/0/message").asText());
        assertEquals(404, send("GET", VS + "/weights", null).statusCode());
    }

    @Test
    void applyIsAllOrNothingWithAResultPerDocument() throws Exception {
        String good = BookinfoMesh.resource("/bookinfo/destination-rule-all.yaml");
        String bad = "\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  servers: []\n";

        HttpResponse<String> rejected = send("POST", "apply?namespace=apply-test", good + bad);
        assertEquals(422, rejected.statusCode());
        JsonNode results = json(rejected).at("/results");
        assertEquals("skipped", results.get(0).at("/result").asText());
        assertEquals("rejected", results.get(4).at("/result").asText());
        assertEquals("spec.servers: missing (expected: at least one server)", results.get(4).at("/errors/0").asText());
        assertEquals(0, json(send("GET", "apis/networking.istio.io/v1/namespaces/apply-test/destinationrules", null)).at("/items").size());

        HttpResponse<String> applied = send("POST", "apply?namespace=apply-test", good);
        assertEquals(200, applied.statusCode(), applied.body());
        assertEquals("created", json(applied).at("/results/1/result").asText());
        assertEquals("unchanged", json(send("POST", "apply?namespace=apply-test", good)).at("/results/1/result").asText());
        assertEquals(4, json(send("GET", "apis/networking.istio.io/v1/namespaces/apply-test/destinationrules", null)).at("/items").size());
    }

    @Test
    void fallbackPolicyIsServedUnderItsOwnGroup() throws Exception {
        String policy = BookinfoMesh.resource("/bookinfo/fallback-reviews-v1.yaml");
        String path = "apis/policy.qmesh.io/v1alpha1/namespaces/fallback-test/fallbackpolicies";

        HttpResponse<String> applied = send("POST", "apply?namespace=fallback-test", policy);
        assertEquals(200, applied.statusCode(), applied.body());
        assertEquals("FallbackPolicy", json(applied).at("/results/0/kind").asText());
        assertEquals("created", json(applied).at("/results/0/result").asText());

        HttpResponse<String> got = send("GET", path + "/reviews-v1", null);
        assertEquals(200, got.statusCode(), got.body());
        assertEquals("policy.qmesh.io/v1alpha1", json(got).at("/apiVersion").asText());
        assertEquals("v1", json(got).at("/spec/fallback/destination/subset").asText());
        assertEquals(9080, json(got).at("/spec/targetRef/port").asInt());
        assertEquals(1, json(send("GET", path, null)).at("/items").size());
        assertEquals(404, send("GET", "apis/networking.istio.io/v1/namespaces/fallback-test/fallbackpolicies", null).statusCode());

        HttpResponse<String> bad = send("POST", path, policy.replace("kind: Service", "kind: Pod").replace("reviews-v1", "bad"));
        assertEquals(422, bad.statusCode());
        assertEquals("spec.targetRef.kind", json(bad).at("/details/causes/0/field").asText());

        assertEquals(200, send("DELETE", path + "/reviews-v1", null).statusCode());
        assertEquals(404, send("GET", path + "/reviews-v1", null).statusCode());
    }

    @Test
    void unknownResourceIs404() throws Exception {
        assertEquals(404, send("GET", "apis/networking.istio.io/v1/namespaces/default/serviceentries", null).statusCode());
        assertEquals(404, send("GET", "apis/networking.istio.io/v2/namespaces/default/virtualservices", null).statusCode());
    }

    @Test
    void debugEndpointsShowWhatAConnectedProxyWasSent() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", runtime.xdsPort()).usePlaintext().build();
        try (AdsClient client = new AdsClient(channel, BookinfoMesh.sidecar("details", "v1", "127.0.0.77"))) {
            client.subscribe(TypeUrls.CLUSTER, List.of());
            DiscoveryResponse cds = client.next();
            client.ack(cds, List.of());
            // Registering this proxy adds the details service, so a second CDS push may follow: ACK the latest.
            for (DiscoveryResponse more = client.poll(java.time.Duration.ofMillis(500)); more != null;
                 more = client.poll(java.time.Duration.ofMillis(500))) {
                cds = more;
                client.ack(cds, List.of());
            }

            String id = BookinfoMesh.sidecar("details", "v1", "127.0.0.77").id();
            JsonNode proxy = null;
            for (int i = 0; i < 50 && proxy == null; i++) {
                for (JsonNode p : json(send("GET", "debug/syncz", null))) {
                    if (p.at("/proxy").asText().equals(id) && p.at("/types/CDS/ackedVersion").asText().equals(cds.getVersionInfo())) {
                        proxy = p;
                    }
                }
                Thread.sleep(20);
            }
            assertTrue(proxy != null, "syncz shows the ACKed CDS version");
            assertEquals(cds.getNonce(), proxy.at("/types/CDS/sentNonce").asText());

            JsonNode dump = json(send("GET", "debug/config_dump?proxyID=" + id, null));
            assertEquals(cds.getResourcesCount(), dump.at("/CDS/resources").size());
            assertEquals(404, send("GET", "debug/config_dump?proxyID=nobody", null).statusCode());

            boolean registered = false;
            for (int i = 0; i < 100 && !registered; i++) {
                registered = json(send("GET", "debug/registryz", null)).toString().contains("127.0.0.77");
                Thread.sleep(20);
            }
            assertTrue(registered, "the connected proxy's workload is in the registry");
            assertTrue(json(send("GET", "debug/configz", null)).has("snapshotVersion"));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
