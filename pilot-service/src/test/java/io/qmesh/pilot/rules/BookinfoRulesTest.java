package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.Hostnames;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.istio.ConfigKey;
import io.qmesh.pilot.model.istio.ConfigKind;
import io.qmesh.pilot.model.istio.VirtualService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Istio's own bookinfo rule files are accepted unchanged, and re-applying them changes nothing. */
class BookinfoRulesTest {

    static String resource(String name) {
        try (var in = BookinfoRulesTest.class.getResourceAsStream("/bookinfo/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final RuleStore store = new RuleStore(RuleStorage.inMemory(), Clock.systemUTC());
    private final RuleService service = new RuleService(store, () -> MeshSnapshot.EMPTY, List::of);

    @ParameterizedTest
    @ValueSource(strings = {"virtual-service-all-v1.yaml", "destination-rule-all.yaml",
            "virtual-service-reviews-test-v2.yaml", "virtual-service-reviews-50-v3.yaml",
            "virtual-service-ratings-test-delay.yaml", "virtual-service-ratings-test-abort.yaml",
            "bookinfo-gateway.yaml", "destination-rule-reviews-circuit-breaker.yaml",
            "virtual-service-reviews-v3-timeout.yaml"})
    void acceptsIstioSampleUnchanged(String file) {
        RuleService.Result result = service.apply(resource(file), "default");

        assertTrue(result.ok(), () -> file + ": " + result.objects());
        result.objects().forEach(o -> assertEquals("created", o.result(), o.toString()));
        RuleService.Result again = service.apply(resource(file), "default");
        again.objects().forEach(o -> assertEquals("unchanged", o.result(), o.toString()));
    }

    @Test
    void reportsConfiguredWhenASpecChanges() {
        service.apply(resource("virtual-service-all-v1.yaml"), "default");

        RuleService.Result result = service.apply(resource("virtual-service-reviews-test-v2.yaml"), "default");

        assertEquals("configured", result.objects().get(0).result());
        VirtualService vs = (VirtualService) store.get(new ConfigKey(ConfigKind.VIRTUAL_SERVICE, "default", "reviews")).orElseThrow();
        assertEquals("jason", vs.spec().http().get(0).match().get(0).headers().get("end-user").exact());
        assertEquals("2", vs.metadata().resourceVersion());
    }

    @Test
    void warnsAboutASubsetNoDestinationRuleDefinesButAcceptsIt() {
        RuleService.Result result = service.apply(resource("virtual-service-reviews-test-v2.yaml"), "default");

        assertTrue(result.ok());
        List<String> warnings = result.objects().get(0).warnings().stream().map(FieldError::toString).toList();
        assertTrue(warnings.contains("spec.http[0].route[0].destination.subset: \"v2\" is not defined by any DestinationRule for "
                + "reviews.default.svc.cluster.local (requests to it fail with 503 until it is)"), warnings.toString());
    }

    @Test
    void noSubsetWarningWhenTheSameRequestDefinesIt() {
        RuleService.Result result = service.apply(resource("destination-rule-all.yaml") + "\n---\n"
                + resource("virtual-service-all-v1.yaml"), "default");

        assertTrue(result.ok());
        result.objects().forEach(o -> assertTrue(o.warnings().stream().noneMatch(w -> w.path().endsWith(".subset")), o.toString()));
    }

    @Test
    void oneInvalidDocumentRejectsTheWholeRequest() {
        String body = resource("destination-rule-all.yaml") + "\n---\n" + """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: bad}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v1}
                      weight: -5
                """;

        RuleService.Result result = service.apply(body, "default");

        assertEquals(false, result.ok());
        assertEquals(List.of("skipped", "skipped", "skipped", "skipped", "rejected"),
                result.objects().stream().map(RuleService.ObjectResult::result).toList());
        assertTrue(store.all().isEmpty());
    }

    @Test
    void shortHostsResolveInTheRuleNamespace() {
        assertEquals("reviews.bookinfo.svc.cluster.local", Hostnames.resolve("reviews", "bookinfo"));
        assertEquals("reviews.other.svc.cluster.local", Hostnames.resolve("reviews.other.svc.cluster.local", "bookinfo"));
        assertEquals("*", Hostnames.resolve("*", "bookinfo"));
    }

    @Test
    void acceptsOldApiVersionsAsAliases() {
        RuleService.Result result = service.apply(resource("virtual-service-reviews-v3-timeout.yaml"), "default");

        assertTrue(result.ok());
        assertEquals("0.5s", ((VirtualService) store.all().get(0)).spec().http().get(0).timeout());
    }
}
