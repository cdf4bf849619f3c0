package io.qmesh.injector.capture;

import java.util.ArrayList;
import java.util.List;

/**
 * The capture rules as commands (argv lists), in Istio's layout.
 *
 * <p>nat table, both modes (outbound):
 * {@code OUTPUT -> ISTIO_OUTPUT}: RETURN for excluded ports; RETURN for {@code -o lo -s 127.0.0.6}
 * (inbound passthrough); proxy traffic to its own pod over lo -> ISTIO_IN_REDIRECT; other lo traffic
 * RETURN; RETURN for the proxy uid/gid; RETURN for 127.0.0.1; RETURN for excluded CIDRs; included
 * ports and CIDRs -> ISTIO_REDIRECT ({@code REDIRECT --to-ports 15001}).
 *
 * <p>Inbound, REDIRECT mode: {@code PREROUTING -> ISTIO_INBOUND} (nat): RETURN for excluded
 * ports, the rest -> ISTIO_IN_REDIRECT ({@code REDIRECT --to-ports 15006}).
 * TPROXY mode: the same chain in the mangle table sends new connections to ISTIO_TPROXY
 * ({@code TPROXY --tproxy-mark 1337 --on-port 15006}) and packets of connections the proxy already
 * owns to ISTIO_DIVERT (mark + ACCEPT); a policy route delivers marked packets locally.
 */
public final class CaptureRules {

    static final List<String> NAT_CHAINS = List.of("ISTIO_INBOUND", "ISTIO_REDIRECT", "ISTIO_IN_REDIRECT", "ISTIO_OUTPUT");
    static final List<String> MANGLE_CHAINS = List.of("ISTIO_INBOUND", "ISTIO_DIVERT", "ISTIO_TPROXY");
    static final String TPROXY_MARK = "1337";
    static final String TPROXY_TABLE = "133";

    private CaptureRules() {
    }

    /** Commands that install the rules on a clean network namespace, in order. */
    public static List<List<String>> install(CaptureConfig c) {
        List<List<String>> commands = new ArrayList<>();
        boolean tproxy = c.mode().equals("TPROXY");
        NAT_CHAINS.forEach(chain -> commands.add(nat("-N", chain)));
        commands.add(nat("-A", "ISTIO_REDIRECT", "-p", "tcp", "-j", "REDIRECT", "--to-ports", String.valueOf(c.outboundPort())));
        commands.add(nat("-A", "ISTIO_IN_REDIRECT", "-p", "tcp", "-j", "REDIRECT", "--to-ports", String.valueOf(c.inboundPort())));

        if (!c.includeInboundPorts().isEmpty()) {
            if (tproxy) {
                inboundTproxy(c, commands);
            } else {
                inbound(c, commands, "nat", "ISTIO_IN_REDIRECT");
            }
        }
        outbound(c, commands, !c.includeInboundPorts().isEmpty());
        return commands;
    }

    private static void inbound(CaptureConfig c, List<List<String>> commands, String table, String target) {
        commands.add(cmd(table, "-A", "PREROUTING", "-p", "tcp", "-j", "ISTIO_INBOUND"));
        if (c.includeInboundPorts().equals(List.of(CaptureConfig.ALL))) {
            for (String port : c.excludeInboundPorts()) {
                commands.add(cmd(table, "-A", "ISTIO_INBOUND", "-p", "tcp", "--dport", port, "-j", "RETURN"));
            }
            commands.add(cmd(table, "-A", "ISTIO_INBOUND", "-p", "tcp", "-j", target));
        } else {
            for (String port : c.includeInboundPorts()) {
                commands.add(cmd(table, "-A", "ISTIO_INBOUND", "-p", "tcp", "--dport", port, "-j", target));
            }
        }
    }

    private static void inboundTproxy(CaptureConfig c, List<List<String>> commands) {
        MANGLE_CHAINS.forEach(chain -> commands.add(mangle("-N", chain)));
        commands.add(mangle("-A", "ISTIO_DIVERT", "-j", "MARK", "--set-mark", TPROXY_MARK));
        commands.add(mangle("-A", "ISTIO_DIVERT", "-j", "ACCEPT"));
        commands.add(mangle("-A", "ISTIO_TPROXY", "!", "-d", "127.0.0.1/32", "-p", "tcp", "-j", "TPROXY",
                "--tproxy-mark", TPROXY_MARK + "/0xffffffff", "--on-port", String.valueOf(c.inboundPort())));
        // Packets of connections the proxy already accepted go straight to its socket.
        commands.add(mangle("-A", "ISTIO_INBOUND", "-p", "tcp", "-m", "socket", "-j", "ISTIO_DIVERT"));
        inbound(c, commands, "mangle", "ISTIO_TPROXY");
        commands.add(List.of("ip", "-f", "inet", "rule", "add", "fwmark", TPROXY_MARK, "lookup", TPROXY_TABLE));
        commands.add(List.of("ip", "-f", "inet", "route", "add", "local", "default", "dev", "lo", "table", TPROXY_TABLE));
    }

    private static void outbound(CaptureConfig c, List<List<String>> commands, boolean inboundCaptured) {
        String uid = String.valueOf(c.proxyUid());
        String gid = String.valueOf(c.proxyGid());
        commands.add(nat("-A", "OUTPUT", "-p", "tcp", "-j", "ISTIO_OUTPUT"));
        for (String port : c.excludeOutboundPorts()) {
            commands.add(nat("-A", "ISTIO_OUTPUT", "-p", "tcp", "--dport", port, "-j", "RETURN"));
        }
        commands.add(nat("-A", "ISTIO_OUTPUT", "-o", "lo", "-s", "127.0.0.6/32", "-j", "RETURN"));
        for (String[] owner : new String[][] {{"--uid-owner", uid}, {"--gid-owner", gid}}) {
            if (inboundCaptured) {
                // The proxy calling its own pod IP over lo: treat as inbound so inbound policy applies.
                commands.add(nat("-A", "ISTIO_OUTPUT", "!", "-d", "127.0.0.1/32", "-o", "lo", "-m", "owner",
                        owner[0], owner[1], "-j", "ISTIO_IN_REDIRECT"));
            }
            commands.add(nat("-A", "ISTIO_OUTPUT", "-o", "lo", "-m", "owner", "!", owner[0], owner[1], "-j", "RETURN"));
            commands.add(nat("-A", "ISTIO_OUTPUT", "-m", "owner", owner[0], owner[1], "-j", "RETURN"));
        }
        commands.add(nat("-A", "ISTIO_OUTPUT", "-d", "127.0.0.1/32", "-j", "RETURN"));
        for (String cidr : c.excludeOutboundCidrs()) {
            commands.add(nat("-A", "ISTIO_OUTPUT", "-d", cidr, "-j", "RETURN"));
        }
        for (String port : c.includeOutboundPorts()) {
            commands.add(nat("-A", "ISTIO_OUTPUT", "-p", "tcp", "--dport", port, "-j", "ISTIO_REDIRECT"));
        }
        if (c.includeOutboundCidrs().equals(List.of(CaptureConfig.ALL))) {
            commands.add(nat("-A", "ISTIO_OUTPUT", "-j", "ISTIO_REDIRECT"));
        } else {
            for (String cidr : c.includeOutboundCidrs()) {
                commands.add(nat("-A", "ISTIO_OUTPUT", "-d", cidr, "-j", "ISTIO_REDIRECT"));
            }
        }
    }

    /**
     * Commands that remove whatever a previous run installed; each may fail harmlessly when there
     * is nothing to remove. Running these before {@link #install} makes installation idempotent.
     */
    public static List<List<String>> cleanup() {
        List<List<String>> commands = new ArrayList<>();
        commands.add(nat("-D", "PREROUTING", "-p", "tcp", "-j", "ISTIO_INBOUND"));
        commands.add(nat("-D", "OUTPUT", "-p", "tcp", "-j", "ISTIO_OUTPUT"));
        commands.add(mangle("-D", "PREROUTING", "-p", "tcp", "-j", "ISTIO_INBOUND"));
        for (String chain : NAT_CHAINS) {
            commands.add(nat("-F", chain));
        }
        for (String chain : NAT_CHAINS) {
            commands.add(nat("-X", chain));
        }
        for (String chain : MANGLE_CHAINS) {
            commands.add(mangle("-F", chain));
        }
        for (String chain : MANGLE_CHAINS) {
            commands.add(mangle("-X", chain));
        }
        commands.add(List.of("ip", "-f", "inet", "rule", "del", "fwmark", TPROXY_MARK, "lookup", TPROXY_TABLE));
        commands.add(List.of("ip", "-f", "inet", "route", "flush", "table", TPROXY_TABLE));
        return commands;
    }

    private static List<String> nat(String... args) {
        return cmd("nat", args);
    }

    private static List<String> mangle(String... args) {
        return cmd("mangle", args);
    }

    private static List<String> cmd(String table, String... args) {
        List<String> command = new ArrayList<>(List.of("iptables", "-t", table));
        command.addAll(List.of(args));
        return List.copyOf(command);
    }
}
