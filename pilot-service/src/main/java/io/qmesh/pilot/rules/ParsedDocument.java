package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.istio.IstioConfig;

import java.util.List;

/**
 * One document of a request body: its position, what it claims to be (for error reports even when it
 * could not be read), and either the config or the errors that prevented reading it.
 */
public record ParsedDocument(int index, String kind, String namespace, String name, IstioConfig config,
                             List<FieldError> errors) {
    public ParsedDocument {
        errors = List.copyOf(errors);
    }

    public boolean ok() {
        return errors.isEmpty() && config != null;
    }
}
