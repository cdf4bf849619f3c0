package io.qmesh.pilot.rules;

import java.util.List;

/** Errors reject an object; warnings are returned with an accepted one. */
public record ValidationResult(List<FieldError> errors, List<FieldError> warnings) {
    public ValidationResult {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
    }

    public boolean ok() {
        return errors.isEmpty();
    }
}
