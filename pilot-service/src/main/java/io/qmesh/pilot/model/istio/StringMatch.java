package io.qmesh.pilot.model.istio;

/** Istio StringMatch: one of exact, prefix, regex (RE2); none set means "present" for headers. */
public record StringMatch(String exact, String prefix, String regex) {
    public boolean presenceOnly() {
        return exact == null && prefix == null && regex == null;
    }
}
