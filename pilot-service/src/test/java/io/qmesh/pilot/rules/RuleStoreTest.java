package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.istio.ConfigKey;
import io.qmesh.pilot.model.istio.ConfigKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RuleStoreTest {
    @TempDir
    Path dir;

    private RuleService open() {
        return new RuleService(new RuleStore(new FileRuleStorage(dir), Clock.systemUTC()), () -> MeshSnapshot.EMPTY, List::of);
    }

    @Test
    void rulesSurviveARestart() {
        RuleService first = open();
        first.apply(BookinfoRulesTest.resource("destination-rule-all.yaml"), "default");
        first.apply(BookinfoRulesTest.resource("virtual-service-reviews-test-v2.yaml"), "default");

        RuleService second = open();

        assertEquals(5, second.store().all().size());
        assertEquals(2, second.store().revision());
        assertEquals(first.store().all(), second.store().all());
        assertEquals("unchanged", second.apply(BookinfoRulesTest.resource("virtual-service-reviews-test-v2.yaml"), "default")
                .objects().get(0).result());
    }

    @Test
    void fallbackPoliciesSurviveARestart() {
        RuleService first = open();
        first.apply(BookinfoRulesTest.resource("fallback-reviews-v1.yaml"), "default");
        first.apply(BookinfoRulesTest.resource("fallback-details-static.yaml"), "default");

        RuleService second = open();

        assertEquals(2, second.store().list(ConfigKind.FALLBACK_POLICY, "default").size());
        assertEquals(first.store().all(), second.store().all());
        assertEquals("unchanged", second.apply(BookinfoRulesTest.resource("fallback-details-static.yaml"), "default")
                .objects().get(0).result());
    }

    @Test
    void deleteIsPersisted() {
        RuleService first = open();
        first.apply(BookinfoRulesTest.resource("destination-rule-all.yaml"), "default");
        first.delete(new ConfigKey(ConfigKind.DESTINATION_RULE, "default", "ratings"));

        assertEquals(3, open().store().list(ConfigKind.DESTINATION_RULE, "default").size());
    }

    @Test
    void aFailedWriteChangesNothingAndLeavesNoTempFile() throws Exception {
        RuleService service = open();
        service.apply(BookinfoRulesTest.resource("destination-rule-all.yaml"), "default");
        Path file = dir.resolve(FileRuleStorage.FILE_NAME);
        Files.delete(file);
        Files.createDirectories(file.resolve("blocker")); // rules.json is now a non-empty directory: the rename fails

        RuleException e = assertThrows(RuleException.class,
                () -> service.apply(BookinfoRulesTest.resource("virtual-service-all-v1.yaml"), "default"));

        assertEquals(500, e.status());
        assertTrue(e.getMessage().startsWith("cannot save rules to " + file), e.getMessage());
        assertEquals(4, service.store().all().size(), "the in-memory rules are those that were saved");
        assertEquals(1, service.store().revision());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temp file is left behind");
        }
    }

    @Test
    void corruptStoreStopsStartupNamingTheFile() throws Exception {
        Files.writeString(dir.resolve(FileRuleStorage.FILE_NAME), "{\"revision\": 3, \"items\": [");

        IllegalStateException e = assertThrows(IllegalStateException.class, this::open);

        assertTrue(e.getMessage().startsWith("rule store " + dir.resolve("rules.json") + " is not valid JSON"), e.getMessage());
    }

    @Test
    void invalidStoredObjectStopsStartupNamingTheItem() throws Exception {
        RuleService first = open();
        first.apply(BookinfoRulesTest.resource("virtual-service-reviews-50-v3.yaml"), "default");
        Path file = dir.resolve(FileRuleStorage.FILE_NAME);
        Files.writeString(file, Files.readString(file).replace("\"weight\" : 50", "\"weight\" : -50"));

        IllegalStateException e = assertThrows(IllegalStateException.class, this::open);

        assertTrue(e.getMessage().contains("items[0] is invalid: spec.http[0].route[0].weight: -50 (expected: >= 0)"), e.getMessage());
    }

    @Test
    void createOfAnExistingObjectIsAConflictAndChangesNothing() {
        RuleService service = open();
        String dr = BookinfoRulesTest.resource("destination-rule-reviews-circuit-breaker.yaml");
        service.create(ConfigKind.DESTINATION_RULE, "default", dr);

        RuleException e = assertThrows(RuleException.class, () -> service.create(ConfigKind.DESTINATION_RULE, "default", dr));

        assertEquals(409, e.status());
        assertEquals(1, service.store().revision());
    }

    @Test
    void replaceRequiresTheNameOfTheUrl() {
        RuleService service = open();
        String dr = BookinfoRulesTest.resource("destination-rule-reviews-circuit-breaker.yaml");
        service.create(ConfigKind.DESTINATION_RULE, "default", dr);

        RuleException e = assertThrows(RuleException.class,
                () -> service.replace(ConfigKind.DESTINATION_RULE, "default", "ratings", dr));

        assertEquals(422, e.status());
        assertEquals("metadata.name: \"reviews\" (expected: \"ratings\" as in the URL)", e.errors().get(0).toString());
    }
}
