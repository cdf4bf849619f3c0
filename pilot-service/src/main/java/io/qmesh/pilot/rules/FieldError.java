package io.qmesh.pilot.rules;

/** One finding about one field: {@code spec.http[0].route[1].weight: -5 (expected: >= 0)}. */
public record FieldError(String path, String message) {
    @Override
    public String toString() {
        return path + ": " + message;
    }
}
