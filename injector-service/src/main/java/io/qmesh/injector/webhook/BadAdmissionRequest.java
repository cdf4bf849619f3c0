package io.qmesh.injector.webhook;

/**
 * An AdmissionReview that cannot be answered normally. With a uid the webhook still returns an
 * AdmissionReview with {@code allowed: false} and this message; without one, HTTP 400.
 */
final class BadAdmissionRequest extends RuntimeException {

    private final String uid;

    BadAdmissionRequest(String uid, String message) {
        super(message);
        this.uid = uid;
    }

    /** The request uid, or null when the review did not get far enough to have one. */
    String uid() {
        return uid;
    }
}
