package io.qmesh.pilot.xds;

import io.qmesh.pilot.model.MeshSnapshot;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden files (see {@link GoldenFiles}): the local-mode registry of {@link BookinfoMesh} with each
 * case's rules, translated for the case's proxy. Run with {@code -Dgolden.update=true} to rewrite them,
 * then review the diff.
 */
class GoldenTest {
    @ParameterizedTest
    @ValueSource(strings = {"no-rules", "all-v1", "jason-v2", "reviews-50-v3", "ratings-delay-jason",
            "ratings-abort-jason", "circuit-breaker", "bookinfo-gateway", "reviews-timeout",
            "fallback-reviews-v1", "fallback-details-static"})
    void translationMatchesGolden(String name) throws IOException {
        GoldenFiles.Case c = GoldenFiles.read(name);
        MeshSnapshot snapshot = BookinfoMesh.snapshot(1, c.ruleFiles());

        ProxyResources resources = ConfigGenerator.generate(snapshot, c.proxy());
        ProxyResources cached = new ConfigCache().generate(snapshot, c.proxy());
        for (String type : TypeUrls.PUSH_ORDER) {
            assertEquals(resources.resources(type), cached.resources(type), "the push cache must not change the output");
        }
        GoldenFiles.assertMatches(name, resources);
    }
}
