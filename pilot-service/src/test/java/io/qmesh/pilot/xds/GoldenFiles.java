package io.qmesh.pilot.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.qmesh.pilot.model.ProxyNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The golden cases: {@code src/test/resources/xds/<case>/mesh.yaml} names the rule files (applied in
 * order) and the proxy whose view is translated; the four {@code *.golden.yaml} hold what that proxy is
 * sent. Shared by the local-mode {@link GoldenTest} and the Kubernetes-mode test, which must match the
 * same files. {@code -Dgolden.update=true} rewrites them (review the diff).
 */
public final class GoldenFiles {
    private static final Path ROOT = Path.of("src/test/resources/xds");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    public record Case(String name, ProxyNode proxy, List<String> ruleFiles) {
    }

    private GoldenFiles() {
    }

    public static Case read(String name) {
        JsonNode mesh;
        try {
            mesh = YAML.readTree(BookinfoMesh.resource("/xds/" + name + "/mesh.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> files = new ArrayList<>();
        mesh.path("rules").forEach(n -> files.add(n.asText()));
        ProxyNode proxy = BookinfoMesh.PROXIES.get(mesh.path("proxy").asText());
        assertTrue(proxy != null, "mesh.yaml proxy must name one of " + BookinfoMesh.PROXIES.keySet());
        return new Case(name, proxy, files);
    }

    /** The four printed xDS types, keyed as the golden files are named. */
    public static Map<String, String> print(ProxyResources resources) {
        return Map.of(
                "clusters", ResourcePrinter.toYaml(resources.resources(TypeUrls.CLUSTER).values()),
                "endpoints", ResourcePrinter.toYaml(resources.resources(TypeUrls.ENDPOINT).values()),
                "listeners", ResourcePrinter.toYaml(resources.resources(TypeUrls.LISTENER).values()),
                "routes", ResourcePrinter.toYaml(resources.resources(TypeUrls.ROUTE).values()));
    }

    /** The golden file's text for one type ({@code clusters}, {@code endpoints}, {@code listeners}, {@code routes}). */
    public static String golden(String caseName, String type) {
        try {
            return Files.readString(ROOT.resolve(caseName).resolve(type + ".golden.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts {@code resources} equal the case's golden files (or rewrites them with golden.update). */
    public static void assertMatches(String caseName, ProxyResources resources) throws IOException {
        for (Map.Entry<String, String> e : print(resources).entrySet()) {
            Path golden = ROOT.resolve(caseName).resolve(e.getKey() + ".golden.yaml");
            if (UPDATE) {
                Files.writeString(golden, e.getValue());
            } else {
                assertTrue(Files.exists(golden), golden + " is missing: run with -Dgolden.update=true");
                assertEquals(Files.readString(golden), e.getValue(), golden + " differs: run with -Dgolden.update=true and review the diff");
            }
        }
    }
}
