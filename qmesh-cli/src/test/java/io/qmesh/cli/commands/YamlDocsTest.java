package io.qmesh.cli.commands;

import io.qmesh.cli.CliException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class YamlDocsTest {
    @TempDir
    Path dir;

    @Test
    void splitsDocumentsAndSkipsEmptyOnes() throws Exception {
        Path f = Files.writeString(dir.resolve("a.yaml"), "---\nkind: Gateway\nmetadata: {name: a}\n---\n---\nkind: VirtualService\nmetadata: {name: b}\n---\n");
        YamlDocs.Source s = YamlDocs.read(f.toString());
        assertEquals(2, s.documents().size());
        assertEquals("b", s.documents().get(1).path("metadata").path("name").asText());
    }

    @Test
    void invalidYamlNamesTheLine() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.yaml"), "kind: VirtualService\nspec:\n  hosts: [reviews\n  http: {}\n");
        CliException e = assertThrows(CliException.class, () -> YamlDocs.read(f.toString()));
        assertEquals(f + ": invalid YAML at line 4, column 7", e.getMessage().substring(0, e.getMessage().indexOf(": ", f.toString().length() + 2)));
    }

    @Test
    void missingFileAndEmptyFileAreOneLine() throws Exception {
        assertEquals("nope.yaml: no such file", assertThrows(CliException.class, () -> YamlDocs.read("nope.yaml")).getMessage());
        Path empty = Files.writeString(dir.resolve("empty.yaml"), "---\n");
        assertEquals(empty + ": no objects in the file", assertThrows(CliException.class, () -> YamlDocs.read(empty.toString())).getMessage());
    }

    @Test
    void kindsAcceptKubectlNames() {
        assertEquals("virtualservices", Kinds.plural("vs"));
        assertEquals("destinationrules", Kinds.plural("DestinationRule"));
        assertEquals("virtualservice.networking.istio.io/reviews", Kinds.ref("VirtualService", "reviews"));
        assertEquals("fallbackpolicy.policy.qmesh.io/reviews-v1", Kinds.ref("FallbackPolicy", "reviews-v1"));
        assertEquals("fallbackpolicies", Kinds.plural("FallbackPolicy"));
        assertEquals("policy.qmesh.io/v1alpha1", io.qmesh.cli.client.PilotClient.groupVersion(Kinds.plural("fallbackpolicy")));
        assertThrows(CliException.class, () -> Kinds.plural("pods"));
    }
}
