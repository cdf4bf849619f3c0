package io.qmesh.injector.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.qmesh.injector.inject.JsonPatches;
import io.qmesh.injector.inject.PodCodec;
import io.qmesh.injector.testing.GeneratedCertificates;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The sidecar template is configuration: with {@code injector.template-path} pointing at a file
 * (in a cluster, a ConfigMap mounted into the injector pod), the running webhook renders that
 * file instead of the built-in template.
 */
@QuarkusTest
@TestProfile(TemplateFileTest.MountedTemplate.class)
class TemplateFileTest {

    public static class MountedTemplate implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("injector.template-path", "src/test/resources/inject/support/minimal-template.yaml");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(GeneratedCertificates.class));
        }
    }

    @TestHTTPResource(value = "/", tls = true)
    URI base;

    @ConfigProperty(name = "injector.certs.ca-bundle-file")
    String caBundleFile;

    @Test
    void webhookRendersTheMountedTemplate() throws Exception {
        JsonNode pod = AdmissionReviews.pod("custom-template");
        HttpClient client = GeneratedCertificates.clientTrusting(Path.of(caBundleFile), HttpClient.Version.HTTP_1_1);
        HttpResponse<String> http = client.send(HttpRequest.newBuilder(base.resolve("/inject"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(AdmissionReviews.review("uid-template", pod).toString()))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(200, http.statusCode(), http.body());
        JsonNode response = PodCodec.JSON.readTree(http.body()).get("response");
        JsonNode patch = PodCodec.JSON.readTree(Base64.getDecoder().decode(response.get("patch").asText()));
        // The same golden as the in-process custom-template case: only the file's sidecar, no istio-init.
        JsonNode golden = PodCodec.YAML.readTree(Path.of("src/test/resources/inject/custom-template.yaml.injected").toFile());
        assertEquals(golden, JsonPatches.apply(pod, patch));
    }
}
