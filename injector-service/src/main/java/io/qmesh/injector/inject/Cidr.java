package io.qmesh.injector.inject;

import java.util.regex.Pattern;

/** Syntax check of IPv4 and IPv6 CIDRs, without DNS lookups (InetAddress.getByName would resolve names). */
public final class Cidr {

    private static final Pattern IPV4 = Pattern.compile("^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$");
    private static final Pattern IPV6 = Pattern.compile("^[0-9a-fA-F:]+(:[0-9.]+)?$");

    private Cidr() {
    }

    public static boolean isValid(String cidr) {
        int slash = cidr.indexOf('/');
        String address = slash < 0 ? cidr : cidr.substring(0, slash);
        int max;
        if (IPV4.matcher(address).matches()) {
            max = 32;
        } else if (address.contains(":") && IPV6.matcher(address).matches()) {
            max = 128;
        } else {
            return false;
        }
        if (slash < 0) {
            return true;
        }
        String bits = cidr.substring(slash + 1);
        if (bits.isEmpty() || bits.length() > 3 || !bits.chars().allMatch(Character::isDigit)) {
            return false;
        }
        return Integer.parseInt(bits) <= max;
    }

    public static boolean isIpv6(String cidr) {
        return cidr.contains(":");
    }
}
