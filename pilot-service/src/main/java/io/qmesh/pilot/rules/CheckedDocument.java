package io.qmesh.pilot.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.qmesh.pilot.model.istio.IstioConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * One document read ({@link RuleCodec}) and validated ({@link RuleValidator}): the check every entry
 * point makes, whether the REST API, the admission webhook or the Kubernetes watch, so all three accept
 * and reject the same objects with the same messages.
 */
public record CheckedDocument(ParsedDocument parsed, List<FieldError> errors, List<FieldError> warnings) {
    public CheckedDocument {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
    }

    public static CheckedDocument of(ParsedDocument parsed) {
        List<FieldError> errors = new ArrayList<>(parsed.errors());
        List<FieldError> warnings = new ArrayList<>();
        if (parsed.ok()) {
            ValidationResult v = RuleValidator.validate(parsed.config());
            errors.addAll(v.errors());
            warnings.addAll(v.warnings());
        }
        return new CheckedDocument(parsed, errors, warnings);
    }

    public static CheckedDocument read(JsonNode doc, String defaultNamespace) {
        return of(RuleCodec.read(0, doc, defaultNamespace));
    }

    public boolean ok() {
        return errors.isEmpty() && parsed.config() != null;
    }

    public IstioConfig config() {
        return parsed.config();
    }

    /** {@code VirtualService default/reviews is invalid: spec.http[0]...: ... (expected: ...)}. */
    public String rejection() {
        return RuleException.invalid(parsed.kind() + " " + parsed.namespace() + "/" + parsed.name(), errors).getMessage();
    }
}
