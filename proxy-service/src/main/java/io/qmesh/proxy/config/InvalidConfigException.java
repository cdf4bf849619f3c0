package io.qmesh.proxy.config;

/**
 * xDS content the proxy cannot apply. The message names the field and the expectation, e.g.
 * {@code route_config[9080].virtual_hosts[0].routes[1].match.safe_regex.regex: "(" (expected: RE2 syntax)};
 * it is sent back to the control plane verbatim as the NACK's error_detail.
 */
public final class InvalidConfigException extends Exception {
    public InvalidConfigException(String message) {
        super(message, null, false, false);
    }
}
