package io.qmesh.proxy.http;

import io.netty.handler.codec.http.HttpObject;

/** Receives what one upstream connection produces for the attempt currently using it. */
interface UpstreamResponseListener {

    /** A response part; the listener owns {@code msg} and must release or hand it on. */
    void onUpstreamMessage(HttpObject msg);

    /** The channel can take more writes again (its outbound buffer, or HTTP/2 stream window, drained). */
    default void onUpstreamWritable() {
    }

    /** The connection closed or failed before the attempt finished. */
    void onUpstreamClosed(Throwable cause);
}
