package io.qmesh.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The CRDs' OpenAPI v3 schemas: structural (as the API server requires), one schema for all served
 * versions, and strict enough that every sample in deploy/samples validates while a misspelled
 * field or a wrong type does not. Validation is strict like {@code kubectl apply} (field validation
 * Strict): an object schema with {@code properties} accepts no other field unless it says
 * {@code x-kubernetes-preserve-unknown-fields}.
 */
class CrdSchemaTest {

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);

    /** kind + apiVersion -> the strict validator of that CRD version. */
    private static Map<String, JsonSchema> validators() {
        Map<String, JsonSchema> out = new HashMap<>();
        for (Manifests.Document crd : crds()) {
            JsonNode spec = crd.tree().path("spec");
            for (JsonNode version : spec.path("versions")) {
                if (version.path("served").asBoolean()) {
                    ObjectNode schema = strict(version.path("schema").path("openAPIV3Schema").deepCopy());
                    // apiVersion, kind and metadata are the API server's, not the CRD's, to check.
                    ObjectNode root = (ObjectNode) schema.path("properties");
                    root.putObject("apiVersion").put("type", "string");
                    root.putObject("kind").put("type", "string");
                    root.putObject("metadata").put("type", "object");
                    out.put(spec.path("names").path("kind").asText() + " " + spec.path("group").asText() + "/"
                            + version.path("name").asText(), FACTORY.getSchema(schema));
                }
            }
        }
        return out;
    }

    static List<Manifests.Document> crds() {
        List<Manifests.Document> crds = Manifests.documents(Manifests.DEPLOY).stream()
                .filter(d -> d.kind().equals("CustomResourceDefinition")).toList();
        assertTrue(crds.size() >= 4, "CRDs in deploy/: " + crds.size());
        return crds;
    }

    @Test
    void eachCrdFileHoldsOneCrdNamedAfterIt() {
        for (Manifests.Document crd : crds()) {
            String expected = "01-crd-" + crd.name() + ".yaml";
            assertEquals(expected, crd.file().getFileName().toString());
            JsonNode spec = crd.tree().path("spec");
            assertEquals(spec.path("names").path("plural").asText() + "." + spec.path("group").asText(), crd.name());
        }
    }

    @Test
    void servedVersionsShareOneStructuralSchemaAndOneStorageVersion() {
        for (Manifests.Document crd : crds()) {
            JsonNode versions = crd.tree().path("spec").path("versions");
            JsonNode first = versions.get(0).path("schema");
            int storage = 0;
            for (JsonNode v : versions) {
                assertEquals(first, v.path("schema"), crd + ": version " + v.path("name").asText() + " differs from "
                        + versions.get(0).path("name").asText());
                storage += v.path("storage").asBoolean() ? 1 : 0;
            }
            assertEquals(1, storage, crd + ": storage versions");
            List<String> problems = new ArrayList<>();
            structural(first.path("openAPIV3Schema"), "openAPIV3Schema", problems);
            assertTrue(problems.isEmpty(), crd + ": not structural: " + problems);
        }
        if (crds().stream().anyMatch(c -> c.name().endsWith(".networking.istio.io"))) {
            for (String plural : List.of("virtualservices", "destinationrules", "gateways", "sidecars")) {
                Manifests.Document crd = crds().stream().filter(c -> c.name().equals(plural + ".networking.istio.io"))
                        .findFirst().orElseThrow(() -> new AssertionError("missing CRD " + plural));
                List<String> names = new ArrayList<>();
                crd.tree().path("spec").path("versions").forEach(v -> names.add(v.path("name").asText()
                        + (v.path("storage").asBoolean() ? "*" : "")));
                assertEquals(List.of("v1*", "v1beta1", "v1alpha3"), names, plural);
            }
        }
    }

    /**
     * Every rule kind pilot watches (its {@code ConfigKind} constants, read from the source: this
     * module does not depend on pilot) has a CRD here serving all the versions pilot accepts, so
     * pilot's informers never meet a missing CRD on a cluster installed from deploy/.
     */
    @Test
    void everyRuleKindPilotWatchesHasACrdServingItsVersions() throws Exception {
        String source = Files.readString(Manifests.REPOSITORY.resolve(
                "pilot-service/src/main/java/io/qmesh/pilot/model/istio/ConfigKind.java"));
        Matcher kind = Pattern.compile("[A-Z_]+\\(\"([a-z.]+)\", \"([A-Za-z]+)\", \"([a-z]+)\", List\\.of\\(([^)]*)\\)\\)")
                .matcher(source);
        int kinds = 0;
        while (kind.find()) {
            String name = kind.group(3) + "." + kind.group(1);
            Manifests.Document crd = crds().stream().filter(c -> c.name().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("pilot watches " + name + " but deploy/ has no CRD 01-crd-" + name + ".yaml"));
            assertEquals(kind.group(2), crd.tree().path("spec").path("names").path("kind").asText(), name);
            List<String> served = new ArrayList<>();
            crd.tree().path("spec").path("versions").forEach(v -> served.add(v.path("name").asText()));
            for (String version : kind.group(4).replace("\"", "").split(",\\s*")) {
                assertTrue(served.contains(version), name + " does not serve " + version + " (serves " + served + ")");
            }
            kinds++;
        }
        assertTrue(kinds >= 4, "ConfigKind constants found: " + kinds);
    }

    @Test
    void everySampleValidatesAgainstItsCrd() {
        Map<String, JsonSchema> validators = validators();
        int validated = 0;
        for (Manifests.Document sample : Manifests.documents(Manifests.SAMPLES)) {
            JsonSchema schema = validators.get(sample.kind() + " " + sample.apiVersion());
            assertTrue(schema != null, sample + ": no CRD in deploy/ serves " + sample.kind() + " " + sample.apiVersion());
            Set<ValidationMessage> errors = schema.validate(sample.tree());
            assertTrue(errors.isEmpty(), sample + ": " + errors);
            validated++;
        }
        assertTrue(validated >= 13, "samples validated: " + validated);
    }

    @Test
    void aMisspelledFieldOrAWrongTypeIsRejected() throws Exception {
        Map<String, JsonSchema> validators = validators();
        JsonSchema vs = validators.get("VirtualService networking.istio.io/v1");
        JsonNode good = Manifests.YAML.readTree("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    fault: {delay: {fixedDelay: 7s, percentage: {value: 100}}}
                    route: [{destination: {host: reviews, subset: v2}, weight: 100}]
                """);
        assertEquals(Set.of(), vs.validate(good));
        assertFalse(vs.validate(replace(good, "{destination: {host: reviews, subset: v2}, weight: fifty}")).isEmpty(),
                "weight must be an integer");
        assertFalse(vs.validate(replace(good, "{destination: {host: reviews, subst: v2}, weight: 100}")).isEmpty(),
                "subst is not a field");
        assertFalse(vs.validate(replace(good, "{weight: 100}")).isEmpty(), "destination is required");
        JsonSchema sidecar = validators.get("Sidecar networking.istio.io/v1");
        assertEquals(Set.of(), sidecar.validate(Manifests.YAML.readTree("""
                {apiVersion: networking.istio.io/v1, kind: Sidecar, metadata: {name: default},
                 spec: {egress: [{hosts: ["./*", "istio-system/*"]}], outboundTrafficPolicy: {mode: REGISTRY_ONLY}}}
                """)));
        assertFalse(sidecar.validate(Manifests.YAML.readTree("""
                {apiVersion: networking.istio.io/v1, kind: Sidecar, metadata: {name: default}, spec: {egress: [{bind: 0.0.0.0}]}}
                """)).isEmpty(), "egress hosts are required");
        JsonSchema dr = validators.get("DestinationRule networking.istio.io/v1alpha3");
        assertFalse(dr.validate(Manifests.YAML.readTree("""
                {apiVersion: networking.istio.io/v1alpha3, kind: DestinationRule, metadata: {name: r},
                 spec: {host: r, trafficPolicy: {loadBalancer: {simple: FASTEST}}}}
                """)).isEmpty(), "loadBalancer.simple is an enum");
    }

    private static JsonNode replace(JsonNode vs, String route) throws Exception {
        ObjectNode copy = vs.deepCopy();
        ((ArrayNode) copy.path("spec").path("http").get(0).path("route")).set(0, Manifests.YAML.readTree(route));
        return copy;
    }

    /** additionalProperties: false on every object schema that lists its properties (see the class comment). */
    private static ObjectNode strict(ObjectNode schema) {
        if (schema.has("properties") && !schema.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
            schema.put("additionalProperties", false);
            schema.path("properties").forEach(p -> strict((ObjectNode) p));
        }
        if (schema.path("items").isObject()) {
            strict((ObjectNode) schema.path("items"));
        }
        if (schema.path("additionalProperties").isObject()) {
            strict((ObjectNode) schema.path("additionalProperties"));
        }
        return schema;
    }

    /**
     * The API server's structural-schema rules that matter here: every node states its type (unless
     * it preserves unknown fields or is int-or-string), and no node has both properties and
     * additionalProperties.
     */
    private static void structural(JsonNode node, String path, List<String> problems) {
        boolean open = node.path("x-kubernetes-preserve-unknown-fields").asBoolean()
                || node.path("x-kubernetes-int-or-string").asBoolean();
        if (!node.has("type") && !open) {
            problems.add(path + ": no type");
        }
        if (node.has("properties") && node.has("additionalProperties")) {
            problems.add(path + ": both properties and additionalProperties");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            structural(field.getValue(), path + ".properties." + field.getKey(), problems);
        }
        if (node.path("items").isObject()) {
            structural(node.path("items"), path + ".items", problems);
        }
        if (node.path("additionalProperties").isObject()) {
            structural(node.path("additionalProperties"), path + ".additionalProperties", problems);
        }
    }
}
