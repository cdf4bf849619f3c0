package io.qmesh.pilot.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.qmesh.pilot.adapter.kubernetes.BookinfoCluster;
import io.qmesh.pilot.adapter.kubernetes.MockCluster;
import io.qmesh.pilot.rules.RuleCodec;
import io.qmesh.pilot.xds.BookinfoMesh;
import io.qmesh.pilot.xds.GoldenFiles;
import io.qmesh.pilot.xds.ResourcePrinter;
import io.qmesh.pilot.xds.TypeUrls;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.qmesh.pilot.adapter.kubernetes.MockCluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole pilot in Kubernetes mode ({@code pilot.platform=kubernetes}) against the Fabric8 mock API
 * server in CRUD mode, loaded with bookinfo and the rule files of deploy/samples: what a sidecar gets
 * over real ADS, the validating webhook, the read-only rules API and the fail-open -> fail-closed patch.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = KubernetesModeTest.Crds.class)
@TestProfile(KubernetesModeTest.KubernetesMode.class)
class KubernetesModeTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static boolean loaded;

    public static class KubernetesMode implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pilot.platform", "kubernetes");
        }
    }

    /** The mock server learns pilot's rule CRDs, as deploy/ installs them. */
    public static class Crds implements Consumer<KubernetesServer> {
        @Override
        public void accept(KubernetesServer server) {
            MockCluster.crds().forEach(server.getKubernetesMockServer()::expectCustomResource);
        }
    }

    @Inject
    KubernetesClient client;

    @Inject
    PilotRuntime runtime;

    @TestHTTPResource("/")
    URL base;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void loadBookinfo() {
        if (!loaded) {
            loaded = true;
            BookinfoCluster.load(client);
            BookinfoCluster.applySamples(client, List.of("destination-rule-all.yaml", "virtual-service-all-v1.yaml"));
        }
        eventually(WAIT, "the cluster's mesh is in pilot's snapshot", () -> runtime.ready()
                && runtime.state().current().workloads().size() == 7 && runtime.state().current().rules().all().size() == 8);
    }

    @Test
    void aSidecarGetsTheSameClustersAndListenersAsInLocalMode() throws Exception {
        assertEquals(200, send("GET", "ready", null).statusCode());
        assertEquals(200, send("GET", "q/health/ready", null).statusCode());
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", runtime.xdsPort()).usePlaintext().build();
        try (AdsClient sidecar = new AdsClient(channel, BookinfoMesh.PROXIES.get("productpage-v1"))) {
            sidecar.subscribe(TypeUrls.CLUSTER, List.of());
            DiscoveryResponse cds = sidecar.next();
            List<Cluster> clusters = cds.getResourcesList().stream().map(a -> unpack(a, Cluster.class))
                    .sorted(Comparator.comparing(Cluster::getName)).toList();
            assertEquals(GoldenFiles.golden("all-v1", "clusters"), ResourcePrinter.toYaml(clusters));
            sidecar.ack(cds, List.of());

            sidecar.request(TypeUrls.LISTENER, List.of(), "", "", null);
            DiscoveryResponse lds = sidecar.next();
            List<Listener> listeners = lds.getResourcesList().stream().map(a -> unpack(a, Listener.class))
                    .sorted(Comparator.comparing(Listener::getName)).toList();
            assertEquals(GoldenFiles.golden("all-v1", "listeners"), ResourcePrinter.toYaml(listeners));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertTrue(runtime.state().current().workloads().stream().noneMatch(w -> w.source().equals("local")),
                "a connecting proxy registers nothing: workloads come from the cluster");
    }

    @Test
    void theWebhookDeniesAnInvalidRuleWithTheFieldPathAndAllowsAValidOne() throws Exception {
        String bad = BookinfoMesh.resource("/invalid/virtual-service-negative-weight.yaml");
        JsonNode denied = review("CREATE", bad);
        assertEquals("uid-CREATE", denied.at("/response/uid").asText());
        assertFalse(denied.at("/response/allowed").asBoolean());
        assertEquals("VirtualService default/weights is invalid: spec.http[0].route[1].weight: -5 (expected: >= 0)",
                denied.at("/response/status/message").asText());
        assertEquals("spec.http[0].route[1].weight", denied.at("/response/status/details/causes/0/field").asText());
        assertEquals(422, denied.at("/response/status/code").asInt());

        JsonNode allowed = review("UPDATE", BookinfoMesh.resource("/bookinfo/virtual-service-reviews-test-v2.yaml"));
        assertTrue(allowed.at("/response/allowed").asBoolean(), allowed.toString());
        assertTrue(review("DELETE", bad).at("/response/allowed").asBoolean(), "deletes are always allowed");

        JsonNode missingSubset = review("CREATE", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: details, namespace: default}
                spec:
                  hosts: [details]
                  http:
                  - route:
                    - destination: {host: details, subset: v9}
                """);
        assertTrue(missingSubset.at("/response/allowed").asBoolean());
        assertTrue(missingSubset.at("/response/warnings/0").asText().contains("is not defined by any DestinationRule"),
                missingSubset.toString());

        assertEquals(400, send("POST", "validate", "{}").statusCode(), "a body that is not an AdmissionReview");
    }

    @Test
    void theRulesApiReadsTheClusterAndRefusesWrites() throws Exception {
        HttpResponse<String> list = send("GET", "apis/networking.istio.io/v1/namespaces/default/destinationrules", null);
        assertEquals(4, JSON.readTree(list.body()).at("/items").size(), "the DestinationRules applied to the cluster");

        HttpResponse<String> put = send("PUT", "apis/networking.istio.io/v1/namespaces/default/virtualservices/reviews",
                BookinfoMesh.resource("/bookinfo/virtual-service-reviews-test-v2.yaml"));
        assertEquals(405, put.statusCode());
        assertTrue(JSON.readTree(put.body()).at("/message").asText().contains("kubectl apply"), put.body());
        assertEquals(405, send("POST", "apply", BookinfoMesh.resource("/bookinfo/destination-rule-all.yaml")).statusCode());
        assertEquals(405, send("DELETE", "apis/networking.istio.io/v1/namespaces/default/virtualservices/reviews", null).statusCode());
        assertEquals(8, runtime.rules().store().all().size(), "nothing changed");
    }

    @Test
    void theWebhookIsSwitchedFromFailOpenToFailClosedAndKeptThere() {
        var configs = client.admissionRegistration().v1().validatingWebhookConfigurations();
        configs.resource(webhookConfiguration()).createOr(NonDeletingOperation::update);
        eventually(WAIT, "failurePolicy patched to Fail", () -> "Fail".equals(policy()));

        // kubectl apply -f deploy/ again resets it to the manifest's Ignore: pilot patches it back.
        configs.resource(webhookConfiguration()).update();
        eventually(WAIT, "patched back to Fail after the manifest was re-applied", () -> "Fail".equals(policy()));
    }

    private String policy() {
        ValidatingWebhookConfiguration c = client.admissionRegistration().v1().validatingWebhookConfigurations()
                .withName("qmesh-pilot-validator").get();
        return c == null ? null : c.getWebhooks().get(0).getFailurePolicy();
    }

    /** The manifest's configuration: fail-open, as deploy/ installs it. */
    private static ValidatingWebhookConfiguration webhookConfiguration() {
        return new ValidatingWebhookConfigurationBuilder().withNewMetadata().withName("qmesh-pilot-validator").endMetadata()
                .addNewWebhook().withName("validation.qmesh.io").withFailurePolicy("Ignore").withSideEffects("None")
                .withAdmissionReviewVersions("v1")
                .withNewClientConfig().withNewService().withName("qmesh-pilot").withNamespace("qmesh-system")
                .withPath("/validate").withPort(443).endService().endClientConfig()
                .addNewRule().withApiGroups("networking.istio.io").withApiVersions("*")
                .withResources("virtualservices", "destinationrules", "gateways").withOperations("CREATE", "UPDATE").endRule()
                .endWebhook().build();
    }

    private JsonNode review(String operation, String yaml) throws Exception {
        JsonNode object = RuleCodec.documents(yaml).get(0);
        ObjectNode review = JSON.createObjectNode();
        review.put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request");
        request.put("uid", "uid-" + operation).put("operation", operation).put("namespace", "default");
        request.set("object", operation.equals("DELETE") ? null : object);
        HttpResponse<String> r = send("POST", "validate", JSON.writeValueAsString(review));
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static <T extends com.google.protobuf.Message> T unpack(com.google.protobuf.Any any, Class<T> type) {
        try {
            return any.unpack(type);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
