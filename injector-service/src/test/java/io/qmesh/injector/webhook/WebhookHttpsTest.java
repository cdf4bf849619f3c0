package io.qmesh.injector.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmesh.injector.inject.JsonPatches;
import io.qmesh.injector.inject.PodCodec;
import io.qmesh.injector.testing.GeneratedCertificates;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtLogRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** AdmissionReview round trips over real HTTPS, trusting only the injector's generated CA. */
@QuarkusTest
@QuarkusTestResource(value = GeneratedCertificates.class, restrictToAnnotatedClass = true)
class WebhookHttpsTest {

    @TestHTTPResource(value = "/", tls = true)
    URI base;

    @ConfigProperty(name = "injector.certs.ca-bundle-file")
    String caBundleFile;

    HttpClient client;

    @BeforeEach
    void trustGeneratedCa() {
        client = GeneratedCertificates.clientTrusting(Path.of(caBundleFile), HttpClient.Version.HTTP_2);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"single-container", "security-contexts", "app-probes", "existing-init-containers"})
    void injectsAPodWithABase64JsonPatchThatProducesTheGolden(String goldenCase) throws Exception {
        JsonNode pod = AdmissionReviews.pod(goldenCase);
        HttpResponse<String> http = post("/inject", "application/json", AdmissionReviews.review("uid-1", pod).toString());

        assertEquals(200, http.statusCode());
        JsonNode review = PodCodec.JSON.readTree(http.body());
        assertEquals("admission.k8s.io/v1", review.get("apiVersion").asText());
        assertEquals("AdmissionReview", review.get("kind").asText());
        JsonNode response = review.get("response");
        assertEquals("uid-1", response.get("uid").asText());
        assertTrue(response.get("allowed").asBoolean());
        assertEquals("JSONPatch", response.get("patchType").asText());
        JsonNode patch = PodCodec.JSON.readTree(Base64.getDecoder().decode(response.get("patch").asText()));
        assertTrue(patch.isArray() && patch.size() > 0);
        // Only additions: the pod's own fields (runAsUser, probe periods...) survive decoding untouched.
        for (JsonNode op : patch) {
            assertEquals("add", op.get("op").asText(), () -> "unexpected operation " + op);
        }
        JsonNode golden = PodCodec.YAML.readTree(Path.of("src/test/resources/inject", goldenCase + ".yaml.injected").toFile());
        assertEquals(golden, JsonPatches.apply(pod, patch), "patched pod differs from the golden");
    }

    @Test
    void skippedPodIsAllowedWithoutPatch() throws Exception {
        JsonNode response = responseOf(post("/inject", "application/json",
                AdmissionReviews.review("uid-2", AdmissionReviews.pod("opt-out-label")).toString()));
        assertEquals("uid-2", response.get("uid").asText());
        assertTrue(response.get("allowed").asBoolean());
        assertFalse(response.has("patch"));
        assertFalse(response.has("patchType"));
    }

    @Test
    void managedFieldsStayOutOfThePatch() throws Exception {
        ObjectNode pod = (ObjectNode) AdmissionReviews.pod("single-container");
        ((ObjectNode) pod.get("metadata")).putArray("managedFields").addObject().put("manager", "kubectl");
        JsonNode response = responseOf(post("/inject", "application/json", AdmissionReviews.review("uid-3", pod).toString()));
        String patch = new String(Base64.getDecoder().decode(response.get("patch").asText()), StandardCharsets.UTF_8);
        assertFalse(patch.contains("managedFields"), patch);
        assertTrue(patch.contains("istio-proxy"), patch);
    }

    @Test
    void wrongContentTypeIs415() throws Exception {
        HttpResponse<String> http = post("/inject", "text/plain",
                AdmissionReviews.review("uid-4", AdmissionReviews.pod("single-container")).toString());
        assertEquals(415, http.statusCode());
    }

    @Test
    void malformedJsonIs400WithStatusMessage() throws Exception {
        assertBadRequest(post("/inject", "application/json", "{\"apiVersion\": "), "body: not valid JSON");
    }

    @Test
    void wrongApiVersionIs400() throws Exception {
        ObjectNode review = AdmissionReviews.review("uid-5", AdmissionReviews.pod("single-container"));
        review.put("apiVersion", "admission.k8s.io/v1beta1");
        assertBadRequest(post("/inject", "application/json", review.toString()),
                "apiVersion: 'admission.k8s.io/v1beta1' (expected: admission.k8s.io/v1)");
    }

    @Test
    void missingRequestIs400() throws Exception {
        assertBadRequest(post("/inject", "application/json",
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}"),
                "request: missing (expected: an AdmissionRequest object)");
    }

    @Test
    void missingUidIs400() throws Exception {
        ObjectNode review = AdmissionReviews.review("x", AdmissionReviews.pod("single-container"));
        ((ObjectNode) review.get("request")).remove("uid");
        assertBadRequest(post("/inject", "application/json", review.toString()),
                "request.uid: missing (expected: a non-empty string)");
    }

    @Test
    void nonPodKindIsDisallowedWithStatus() throws Exception {
        ObjectNode review = AdmissionReviews.review("uid-6", AdmissionReviews.pod("single-container"));
        ((ObjectNode) review.get("request").get("kind")).put("group", "apps").put("kind", "Deployment");
        assertDisallowed(post("/inject", "application/json", review.toString()), "uid-6",
                "request.kind: {\"group\":\"apps\",\"version\":\"v1\",\"kind\":\"Deployment\"} (expected: {\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"})");
    }

    @Test
    void unparsablePodIsDisallowedWithStatus() throws Exception {
        ObjectNode pod = (ObjectNode) AdmissionReviews.pod("single-container");
        ((ObjectNode) pod.get("spec")).put("containers", "not-a-list");
        assertDisallowed(post("/inject", "application/json", AdmissionReviews.review("uid-7", pod).toString()),
                "uid-7", "request.object: not a valid Pod (io.fabric8.kubernetes.api.model.Pod[\"spec\"]->io.fabric8.kubernetes.api.model.PodSpec[\"containers\"]");
    }

    @Test
    void missingObjectIsDisallowedWithStatus() throws Exception {
        ObjectNode review = AdmissionReviews.review("uid-8", AdmissionReviews.pod("single-container"));
        ((ObjectNode) review.get("request")).remove("object");
        assertDisallowed(post("/inject", "application/json", review.toString()), "uid-8",
                "request.object: missing (expected: the Pod being created)");
    }

    @Test
    void invalidOverrideAnnotationIsDisallowedNamingTheAnnotation() throws Exception {
        ObjectNode pod = (ObjectNode) AdmissionReviews.pod("single-container");
        ((ObjectNode) pod.get("metadata")).putObject("annotations").put("sidecar.istio.io/proxyCPU", "lots");
        assertDisallowed(post("/inject", "application/json", AdmissionReviews.review("uid-9", pod).toString()), "uid-9",
                "metadata.annotations[sidecar.istio.io/proxyCPU]: lots (expected: a Kubernetes quantity like 100m, 2, 128Mi or 1Gi)");
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        // A raw TLS socket announcing a 5 MiB body: the server must refuse from the headers alone,
        // before reading the body (HTTP clients report the early close as an I/O error instead).
        SSLContext tls = GeneratedCertificates.sslContextTrusting(Path.of(caBundleFile));
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost", base.getPort())) {
            socket.setSoTimeout(5000);
            String head = "POST /inject HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (5 * 1024 * 1024) + "\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            assertEquals("HTTP/1.1 413 Request Entity Too Large", statusLine);
        }
    }

    @Test
    void dryRunShowsEveryStep() throws Exception {
        HttpResponse<String> http = post("/inject/dry-run", "application/json",
                AdmissionReviews.review("uid-11", AdmissionReviews.pod("deployment-owned")).toString());
        assertEquals(200, http.statusCode());
        JsonNode trace = PodCodec.JSON.readTree(http.body());
        assertEquals("uid-11", trace.get("uid").asText());
        assertEquals("default", trace.get("namespace").asText());
        assertEquals("reviews", trace.get("pod").get("metadata").get("labels").get("app").asText());
        assertTrue(trace.get("injected").asBoolean());
        assertEquals("injection policy is enabled", trace.get("reason").asText());
        assertTrue(trace.get("renderedSidecar").asText().contains("name: istio-proxy"));
        assertTrue(trace.get("patch").isArray() && trace.get("patch").size() > 0);
        assertEquals("uid-11", trace.get("review").get("response").get("uid").asText());
    }

    @Test
    void kubeInjectEndpointInjectsMultiDocumentYaml() throws Exception {
        String input = java.nio.file.Files.readString(Path.of("src/test/resources/kubeinject/workloads.yaml"));
        HttpResponse<String> http = post("/kube-inject", "application/yaml", input);
        assertEquals(200, http.statusCode());
        assertEquals(java.nio.file.Files.readString(Path.of("src/test/resources/kubeinject/workloads.yaml.injected")),
                http.body());
    }

    @Test
    void kubeInjectEndpointRejectsInvalidYamlWith400() throws Exception {
        HttpResponse<String> http = post("/kube-inject", "application/yaml", "kind: Deployment\nspec: [\n");
        assertEquals(400, http.statusCode());
        assertTrue(http.body().startsWith("input is not valid YAML: "), http.body());
    }

    @Test
    void eachOfTheSixStepsLogsADebugLineWithTheUid() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(AdmissionPipeline.class.getName());
        logger.addHandler(capture);
        try {
            responseOf(post("/inject", "application/json",
                    AdmissionReviews.review("uid-steps", AdmissionReviews.pod("single-container")).toString()));
        } finally {
            logger.removeHandler(capture);
        }
        List<String> steps = lines.stream().filter(l -> l.startsWith("[uid-steps] step ")).toList();
        assertEquals(6, steps.size(), String.join("\n", lines));
        for (int i = 1; i <= 6; i++) {
            assertTrue(steps.get(i - 1).startsWith("[uid-steps] step " + i + "/6 "), steps.get(i - 1));
        }
        assertTrue(steps.get(2).contains("injected: injection policy is enabled"), steps.get(2));
    }

    private HttpResponse<String> post(String path, String contentType, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertFalse(response.body().contains("\tat "), "no stack traces in responses: " + response.body());
        return response;
    }

    private static JsonNode responseOf(HttpResponse<String> http) throws Exception {
        assertEquals(200, http.statusCode(), http.body());
        return PodCodec.JSON.readTree(http.body()).get("response");
    }

    private static void assertBadRequest(HttpResponse<String> http, String message) throws Exception {
        assertEquals(400, http.statusCode(), http.body());
        JsonNode status = PodCodec.JSON.readTree(http.body());
        assertEquals("Status", status.get("kind").asText());
        assertEquals("Failure", status.get("status").asText());
        assertTrue(status.get("message").asText().startsWith(message), status.get("message").asText());
    }

    private static void assertDisallowed(HttpResponse<String> http, String uid, String messagePrefix) throws Exception {
        JsonNode response = responseOf(http);
        assertEquals(uid, response.get("uid").asText());
        assertFalse(response.get("allowed").asBoolean());
        assertEquals(400, response.get("status").get("code").asInt());
        String message = response.get("status").get("message").asText();
        assertTrue(message.startsWith(messagePrefix), message);
    }
}
