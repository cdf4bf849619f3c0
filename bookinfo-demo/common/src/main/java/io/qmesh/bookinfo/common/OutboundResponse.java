package io.qmesh.bookinfo.common;

/** The status and body of a call to a peer service. */
public record OutboundResponse(int status, String body) {

    public boolean isOk() {
        return status == 200;
    }
}
