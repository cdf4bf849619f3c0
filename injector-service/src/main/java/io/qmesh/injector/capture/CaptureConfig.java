package io.qmesh.injector.capture;

import io.qmesh.injector.inject.Cidr;
import java.util.ArrayList;
import java.util.List;

/**
 * What to capture, parsed from the {@code istio-iptables} flags the injector writes into the
 * {@code istio-init} container ({@code -p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x "" -b '*' -d ...}).
 *
 * @param outboundPort -p: where outbound traffic is redirected (the proxy's virtualOutbound listener)
 * @param inboundPort -z: where inbound traffic is redirected (virtualInbound)
 * @param proxyUid -u: the proxy's uid, whose own traffic is never captured
 * @param proxyGid -g: the proxy's gid (defaults to the uid)
 * @param mode -m: REDIRECT (nat) or TPROXY (mangle, keeps the original source address)
 * @param includeOutboundCidrs -i: "*" for all, or the CIDRs to capture; empty captures none
 * @param excludeOutboundCidrs -x: CIDRs never captured
 * @param includeInboundPorts -b: "*" for all, or the ports to capture; empty captures none
 * @param excludeInboundPorts -d: inbound ports never captured (when -b is "*")
 * @param includeOutboundPorts -q: outbound ports captured whatever the destination address
 * @param excludeOutboundPorts -o: outbound ports never captured
 * @param dryRun --dry-run: print the commands instead of running them
 */
public record CaptureConfig(int outboundPort, int inboundPort, int proxyUid, int proxyGid, String mode,
        List<String> includeOutboundCidrs, List<String> excludeOutboundCidrs, List<String> includeInboundPorts,
        List<String> excludeInboundPorts, List<String> includeOutboundPorts, List<String> excludeOutboundPorts,
        boolean dryRun) {

    public static final String ALL = "*";

    /** Parses the flags; the leading {@code istio-iptables} word is optional. */
    public static CaptureConfig parse(List<String> arguments) {
        List<String> args = new ArrayList<>(arguments);
        if (!args.isEmpty() && args.get(0).equals("istio-iptables")) {
            args.remove(0);
        }
        int outbound = 15001;
        int inbound = 15006;
        int uid = 1337;
        Integer gid = null;
        String mode = "REDIRECT";
        List<String> includeCidrs = List.of(ALL);
        List<String> excludeCidrs = List.of();
        List<String> includeInbound = List.of(ALL);
        List<String> excludeInbound = List.of();
        List<String> includeOutboundPorts = List.of();
        List<String> excludeOutboundPorts = List.of();
        boolean dryRun = false;
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            if (flag.equals("--dry-run")) {
                dryRun = true;
                continue;
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(flag + ": missing value");
            }
            String value = args.get(++i);
            switch (flag) {
                case "-p" -> outbound = port(flag, value);
                case "-z" -> inbound = port(flag, value);
                case "-u" -> uid = id(flag, value);
                case "-g" -> gid = id(flag, value);
                case "-m" -> {
                    if (!value.equals("REDIRECT") && !value.equals("TPROXY")) {
                        throw new IllegalArgumentException("-m: " + value + " (expected: REDIRECT or TPROXY)");
                    }
                    mode = value;
                }
                case "-i" -> includeCidrs = cidrs(flag, value, true);
                case "-x" -> excludeCidrs = cidrs(flag, value, false);
                case "-b" -> includeInbound = ports(flag, value, true);
                case "-d" -> excludeInbound = ports(flag, value, false);
                case "-q" -> includeOutboundPorts = ports(flag, value, false);
                case "-o" -> excludeOutboundPorts = ports(flag, value, false);
                default -> throw new IllegalArgumentException(flag + ": unknown flag (expected one of -p -z -u -g -m -i -x -b -d -q -o --dry-run)");
            }
        }
        return new CaptureConfig(outbound, inbound, uid, gid == null ? uid : gid, mode, includeCidrs, excludeCidrs,
                includeInbound, excludeInbound, includeOutboundPorts, excludeOutboundPorts, dryRun);
    }

    private static List<String> split(String value) {
        String compact = value.replace(" ", "").replace("'", "").replace("\"", "");
        return compact.isEmpty() ? List.of() : List.of(compact.split(","));
    }

    private static List<String> cidrs(String flag, String value, boolean allowAll) {
        List<String> cidrs = split(value);
        if (allowAll && cidrs.equals(List.of(ALL))) {
            return cidrs;
        }
        for (String cidr : cidrs) {
            if (!Cidr.isValid(cidr) || Cidr.isIpv6(cidr)) {
                throw new IllegalArgumentException(flag + ": '" + cidr + "' (expected: " + (allowAll ? "* or " : "")
                        + "comma-separated IPv4 CIDRs)");
            }
        }
        return cidrs;
    }

    private static List<String> ports(String flag, String value, boolean allowAll) {
        List<String> ports = split(value);
        if (allowAll && ports.equals(List.of(ALL))) {
            return ports;
        }
        ports.forEach(p -> port(flag, p));
        return ports;
    }

    private static int port(String flag, String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + ": '" + value + "' (expected: a port 1-65535)");
    }

    private static int id(String flag, String value) {
        try {
            int id = Integer.parseInt(value);
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + ": '" + value + "' (expected: a numeric id >= 0)");
    }
}
