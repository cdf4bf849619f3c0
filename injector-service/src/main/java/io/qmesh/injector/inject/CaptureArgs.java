package io.qmesh.injector.inject;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code istio-init} arguments, in Istio's order:
 * {@code istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x "" -b '*' -d 15090,15021,15020}
 * followed by {@code -q}/{@code -o} when outbound ports are included or excluded.
 * The capture program ({@code io.qmesh.injector.capture}) parses exactly these flags.
 */
final class CaptureArgs {

    static final String OUTBOUND_PORT = "15001";
    static final String INBOUND_PORT = "15006";
    static final String PROXY_UID = "1337";
    /** Proxy ports that must never be captured: Prometheus stats and health. */
    static final String ALWAYS_EXCLUDED_INBOUND = "15090,15021";
    static final String STATUS_PORT = "15020";

    private CaptureArgs() {
    }

    static List<String> of(String mode, Overrides overrides) {
        List<String> args = new ArrayList<>(List.of(
                "istio-iptables",
                "-p", OUTBOUND_PORT,
                "-z", INBOUND_PORT,
                "-u", PROXY_UID,
                "-m", mode,
                "-i", overrides.cidrs(PodAnnotations.INCLUDE_OUTBOUND_IP_RANGES, "*", true),
                "-x", overrides.cidrs(PodAnnotations.EXCLUDE_OUTBOUND_IP_RANGES, "", false),
                "-b", overrides.ports(PodAnnotations.INCLUDE_INBOUND_PORTS, "*", true),
                "-d", excludedInbound(overrides.ports(PodAnnotations.EXCLUDE_INBOUND_PORTS, "", false))));
        String includeOutbound = overrides.ports(PodAnnotations.INCLUDE_OUTBOUND_PORTS, "", false);
        if (!includeOutbound.isEmpty()) {
            args.add("-q");
            args.add(includeOutbound);
        }
        String excludeOutbound = overrides.ports(PodAnnotations.EXCLUDE_OUTBOUND_PORTS, "", false);
        if (!excludeOutbound.isEmpty()) {
            args.add("-o");
            args.add(excludeOutbound);
        }
        return List.copyOf(args);
    }

    /** 15090,15021 always; then the status port 15020 unless listed; then the pod's own exclusions. */
    private static String excludedInbound(String podExcluded) {
        StringBuilder ports = new StringBuilder(ALWAYS_EXCLUDED_INBOUND).append(',').append(STATUS_PORT);
        if (!podExcluded.isEmpty()) {
            for (String port : podExcluded.split(",")) {
                if (!(',' + ports.toString() + ',').contains(',' + port + ',')) {
                    ports.append(',').append(port);
                }
            }
        }
        return ports.toString();
    }
}
