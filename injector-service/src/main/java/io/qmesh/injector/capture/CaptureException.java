package io.qmesh.injector.capture;

/** The capture rules could not be installed; the message says which command failed and why. */
public class CaptureException extends RuntimeException {

    public CaptureException(String message) {
        super(message);
    }
}
