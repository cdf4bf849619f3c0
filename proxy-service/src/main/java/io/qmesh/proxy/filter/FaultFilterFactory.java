package io.qmesh.proxy.filter;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.qmesh.proxy.config.InvalidConfigException;

/** Translates HTTPFault protos into {@link FaultFilterConfig} and creates {@link FaultFilter}s. */
public final class FaultFilterFactory implements HttpFilterFactory {

    public static final String NAME = "envoy.filters.http.fault";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public HttpFilterConfig parse(Any typedConfig, String field) throws InvalidConfigException {
        return translate(typedConfig, field);
    }

    @Override
    public HttpFilter create(HttpFilterConfig config) {
        return new FaultFilter(config instanceof FaultFilterConfig f ? f : null);
    }

    static FaultFilterConfig translate(Any any, String field) throws InvalidConfigException {
        if (any.getTypeUrl().isEmpty()) {
            return new FaultFilterConfig(0, 0, 0, -1, 0);
        }
        HTTPFault fault;
        try {
            fault = any.unpack(HTTPFault.class);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidConfigException(field + ": " + any.getTypeUrl()
                    + " (expected: type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault)");
        }
        long delayMillis = 0;
        int delayPpm = 0;
        if (fault.hasDelay()) {
            var delay = fault.getDelay();
            if (!delay.hasFixedDelay()) {
                throw new InvalidConfigException(field + ".delay.fixed_delay: missing (expected: a duration; header_delay is not supported)");
            }
            delayMillis = delay.getFixedDelay().getSeconds() * 1000 + delay.getFixedDelay().getNanos() / 1_000_000;
            if (delayMillis < 0) {
                throw new InvalidConfigException(field + ".delay.fixed_delay: " + delayMillis + "ms (expected: >= 0)");
            }
            delayPpm = delay.hasPercentage() ? perMillion(delay.getPercentage(), field + ".delay.percentage") : 1_000_000;
        }
        int status = 0;
        int grpcStatus = -1;
        int abortPpm = 0;
        if (fault.hasAbort()) {
            var abort = fault.getAbort();
            switch (abort.getErrorTypeCase()) {
                case HTTP_STATUS -> {
                    status = abort.getHttpStatus();
                    if (status < 200 || status >= 600) {
                        throw new InvalidConfigException(field + ".abort.http_status: " + status + " (expected: 200-599)");
                    }
                }
                case GRPC_STATUS -> grpcStatus = abort.getGrpcStatus();
                default -> throw new InvalidConfigException(field + ".abort: no http_status or grpc_status (expected: one of them; header_abort is not supported)");
            }
            abortPpm = abort.hasPercentage() ? perMillion(abort.getPercentage(), field + ".abort.percentage") : 1_000_000;
        }
        return new FaultFilterConfig(delayMillis, delayPpm, status, grpcStatus, abortPpm);
    }

    public static int perMillion(FractionalPercent p, String field) throws InvalidConfigException {
        long scale = switch (p.getDenominator()) {
            case HUNDRED -> 10_000;
            case TEN_THOUSAND -> 100;
            case MILLION -> 1;
            default -> throw new InvalidConfigException(field + ".denominator: " + p.getDenominator()
                    + " (expected: HUNDRED, TEN_THOUSAND or MILLION)");
        };
        return (int) Math.min(1_000_000, p.getNumerator() * scale);
    }
}
