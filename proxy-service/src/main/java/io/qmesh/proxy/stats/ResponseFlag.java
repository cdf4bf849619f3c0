package io.qmesh.proxy.stats;

/** Envoy's response flags (the %RESPONSE_FLAGS% short codes) for the failure paths this proxy has. */
public enum ResponseFlag {
    NO_ROUTE_FOUND("NR"),
    NO_CLUSTER_FOUND("NC"),
    NO_HEALTHY_UPSTREAM("UH"),
    UPSTREAM_CONNECTION_FAILURE("UF"),
    UPSTREAM_CONNECTION_TERMINATION("UC"),
    UPSTREAM_REMOTE_RESET("UR"),
    UPSTREAM_RETRY_LIMIT_EXCEEDED("URX"),
    UPSTREAM_REQUEST_TIMEOUT("UT"),
    UPSTREAM_OVERFLOW("UO"),
    DELAY_INJECTED("DI"),
    FAULT_INJECTED("FI"),
    DOWNSTREAM_CONNECTION_TERMINATION("DC"),
    DOWNSTREAM_PROTOCOL_ERROR("DPE"),
    STREAM_IDLE_TIMEOUT("SI"),
    RATE_LIMITED("RL");

    private final String code;

    ResponseFlag(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** Envoy's rendering: comma-separated codes in a fixed order, "-" when none. */
    public static String format(int bits) {
        if (bits == 0) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (ResponseFlag f : values()) {
            if ((bits & f.bit()) != 0) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(f.code);
            }
        }
        return sb.toString();
    }

    public int bit() {
        return 1 << ordinal();
    }
}
