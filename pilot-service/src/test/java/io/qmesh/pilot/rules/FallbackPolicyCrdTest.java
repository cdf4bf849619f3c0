package io.qmesh.pilot.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.qmesh.pilot.model.istio.ConfigKind;
import io.qmesh.pilot.model.istio.FallbackPolicy;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** deploy/'s CRD names the kind as pilot's rule-kind table does and offers exactly pilot's conditions. */
class FallbackPolicyCrdTest {

    @Test
    void crdAgreesWithPilotsKindAndConditions() throws Exception {
        JsonNode crd = new ObjectMapper(new YAMLFactory())
                .readTree(Path.of("../deploy/01-crd-fallbackpolicies.policy.qmesh.io.yaml").toFile());
        ConfigKind kind = ConfigKind.FALLBACK_POLICY;
        assertEquals(kind.plural() + "." + kind.group(), crd.at("/metadata/name").asText());
        assertEquals(kind.group(), crd.at("/spec/group").asText());
        assertEquals(kind.kind(), crd.at("/spec/names/kind").asText());
        assertEquals("Namespaced", crd.at("/spec/scope").asText());
        JsonNode version = crd.at("/spec/versions/0");
        assertEquals(kind.versions().get(0), version.at("/name").asText());
        assertTrue(version.at("/served").asBoolean() && version.at("/storage").asBoolean());
        List<String> conditions = new ArrayList<>();
        version.at("/schema/openAPIV3Schema/properties/spec/properties/conditions/items/enum")
                .forEach(n -> conditions.add(n.asText()));
        assertEquals(Arrays.stream(FallbackPolicy.Condition.values()).map(FallbackPolicy.Condition::value).toList(), conditions);
    }
}
