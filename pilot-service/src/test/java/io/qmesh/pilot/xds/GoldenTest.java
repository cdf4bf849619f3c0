package io.qmesh.pilot.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden files: {@code src/test/resources/xds/<case>/mesh.yaml} names the rule files and the proxy whose
 * view is translated; the four {@code *.golden.yaml} hold what that proxy is sent. Run with
 * {@code -Dgolden.update=true} to rewrite them, then review the diff.
 */
class GoldenTest {
    private static final Path ROOT = Path.of("src/test/resources/xds");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @ParameterizedTest
    @ValueSource(strings = {"no-rules", "all-v1", "jason-v2", "reviews-50-v3", "ratings-delay-jason",
            "ratings-abort-jason", "circuit-breaker", "bookinfo-gateway", "reviews-timeout",
            "fallback-reviews-v1", "fallback-details-static"})
    void translationMatchesGolden(String name) throws IOException {
        JsonNode mesh = YAML.readTree(BookinfoMesh.resource("/xds/" + name + "/mesh.yaml"));
        List<String> files = new ArrayList<>();
        mesh.path("rules").forEach(n -> files.add(n.asText()));
        ProxyNode proxy = BookinfoMesh.PROXIES.get(mesh.path("proxy").asText());
        assertTrue(proxy != null, "mesh.yaml proxy must name one of " + BookinfoMesh.PROXIES.keySet());
        MeshSnapshot snapshot = BookinfoMesh.snapshot(1, files);

        ProxyResources resources = ConfigGenerator.generate(snapshot, proxy);
        ProxyResources cached = new ConfigCache().generate(snapshot, proxy);
        for (String type : TypeUrls.PUSH_ORDER) {
            assertEquals(resources.resources(type), cached.resources(type), "the push cache must not change the output");
        }

        Map<String, String> outputs = Map.of(
                "clusters", ResourcePrinter.toYaml(resources.resources(TypeUrls.CLUSTER).values()),
                "endpoints", ResourcePrinter.toYaml(resources.resources(TypeUrls.ENDPOINT).values()),
                "listeners", ResourcePrinter.toYaml(resources.resources(TypeUrls.LISTENER).values()),
                "routes", ResourcePrinter.toYaml(resources.resources(TypeUrls.ROUTE).values()));
        for (Map.Entry<String, String> e : outputs.entrySet()) {
            Path golden = ROOT.resolve(name).resolve(e.getKey() + ".golden.yaml");
            if (UPDATE) {
                Files.writeString(golden, e.getValue());
            } else {
                assertTrue(Files.exists(golden), golden + " is missing: run with -Dgolden.update=true");
                assertEquals(Files.readString(golden), e.getValue(), golden + " differs: run with -Dgolden.update=true and review the diff");
            }
        }
    }
}
