package io.qmesh.injector.inject;

/** Whether a pod gets a sidecar, and why: the reason is logged and shown by the dry-run endpoint. */
public record InjectionDecision(boolean inject, String reason) {

    static InjectionDecision inject(String reason) {
        return new InjectionDecision(true, reason);
    }

    static InjectionDecision skip(String reason) {
        return new InjectionDecision(false, reason);
    }
}
