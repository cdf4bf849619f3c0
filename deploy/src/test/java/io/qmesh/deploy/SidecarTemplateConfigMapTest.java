package io.qmesh.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The ConfigMap qmesh-sidecar-template carries the injector's built-in template verbatim, so a
 * cluster injects what the injector's golden tests pin. {@code -Ddeploy.refresh=true} rewrites the
 * ConfigMap from the template (review the diff), as the golden files elsewhere are refreshed.
 */
class SidecarTemplateConfigMapTest {

    static final Path TEMPLATE = Manifests.REPOSITORY.resolve("injector-service/src/main/resources/injector/sidecar-template.yaml");
    static final Path CONFIG_MAP = Manifests.DEPLOY.resolve("03-config-sidecar-template.yaml");
    static final String KEY = "sidecar-template.yaml";

    @Test
    void theConfigMapHoldsTheInjectorsTemplate() throws IOException {
        String template = Files.readString(TEMPLATE, StandardCharsets.UTF_8);
        if (Boolean.getBoolean("deploy.refresh")) {
            rewrite(template);
        }
        List<Manifests.Document> documents = Manifests.fileDocuments(CONFIG_MAP);
        assertEquals(1, documents.size());
        JsonNode configMap = documents.get(0).tree();
        assertEquals("qmesh-sidecar-template", configMap.path("metadata").path("name").asText());
        assertEquals(template, configMap.path("data").path(KEY).asText(),
                CONFIG_MAP.getFileName() + " differs from " + TEMPLATE.getFileName()
                        + ": run ./mvnw -pl deploy test -Dtest=SidecarTemplateConfigMapTest -Ddeploy.refresh=true");
    }

    /** Keeps the file's header and metadata, replaces the literal block after the key. */
    private static void rewrite(String template) throws IOException {
        String text = Files.readString(CONFIG_MAP, StandardCharsets.UTF_8);
        String marker = "  " + KEY + ": |\n";
        String head = text.substring(0, text.indexOf(marker) + marker.length());
        String body = template.lines().map(l -> l.isBlank() ? "" : "    " + l).collect(Collectors.joining("\n", "", "\n"));
        Files.writeString(CONFIG_MAP, head + body, StandardCharsets.UTF_8);
    }
}
