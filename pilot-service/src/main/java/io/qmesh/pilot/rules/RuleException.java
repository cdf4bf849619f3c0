package io.qmesh.pilot.rules;

import java.util.List;

/** A rule could not be accepted; {@link #errors()} name the fields. {@code status} is the HTTP status to answer. */
public class RuleException extends RuntimeException {
    private final int status;
    private final String reason;
    private final List<FieldError> errors;

    public RuleException(int status, String reason, String message, List<FieldError> errors) {
        super(message);
        this.status = status;
        this.reason = reason;
        this.errors = List.copyOf(errors);
    }

    public static RuleException invalid(String what, List<FieldError> errors) {
        StringBuilder sb = new StringBuilder(what).append(" is invalid: ");
        for (int i = 0; i < errors.size(); i++) {
            sb.append(i == 0 ? "" : "; ").append(errors.get(i));
        }
        return new RuleException(422, "Invalid", sb.toString(), errors);
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    public List<FieldError> errors() {
        return errors;
    }
}
