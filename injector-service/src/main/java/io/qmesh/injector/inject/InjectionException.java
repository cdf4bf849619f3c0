package io.qmesh.injector.inject;

/**
 * Thrown when a pod cannot be injected because of its own content (a bad override annotation)
 * or a broken template. The message names the field and the expectation, e.g.
 * {@code metadata.annotations[sidecar.istio.io/proxyCPU]: lots (expected: a Kubernetes quantity like 100m)};
 * the webhook returns it to the API server as {@code allowed: false}.
 */
public class InjectionException extends RuntimeException {

    public InjectionException(String message) {
        super(message);
    }

    public InjectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
