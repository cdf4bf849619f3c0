package io.qmesh.bookinfo.productpage.upstream;

import java.io.IOException;

/** A peer answered, but not with 200 and a JSON body: a failure for retry and circuit breaker alike. */
public class UpstreamFailure extends IOException {

    private final int status;

    public UpstreamFailure(String peer, int status, String why) {
        super(peer + " answered " + status + ": " + why);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
