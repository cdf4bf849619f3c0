package io.qmesh.proxy.filter;

/**
 * Translated envoy.extensions.filters.http.fault.v3.HTTPFault.
 *
 * @param delayPerMillion probability of the delay, in parts per million (0 = no delay)
 * @param abortHttpStatus  0 when the abort is a gRPC status or absent
 * @param abortGrpcStatus  -1 when not a gRPC abort
 * @param abortPerMillion  probability of the abort, in parts per million (0 = no abort)
 */
public record FaultFilterConfig(long delayMillis, int delayPerMillion, int abortHttpStatus, int abortGrpcStatus,
                                int abortPerMillion) implements HttpFilterConfig {

    @Override
    public String filterName() {
        return FaultFilterFactory.NAME;
    }

    public boolean hasFault() {
        return delayPerMillion > 0 || abortPerMillion > 0;
    }
}
