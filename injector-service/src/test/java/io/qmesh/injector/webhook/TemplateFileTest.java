package io.qmesh.injector.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.qmesh.injector.inject.JsonPatches;
import io.qmesh.injector.testing.GeneratedCertificates;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
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
        JsonNode patch = AdmissionReviews.patchOverHttps(base, caBundleFile, "uid-template", pod);
        JsonNode golden = AdmissionReviews.golden("custom-template");
        assertEquals(golden, JsonPatches.apply(pod, patch));
    }
}
