package io.qmesh.proxy.bootstrap;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the {@link Bootstrap} from environment variables the way Istio's agent does: the pod's
 * identity from the downward API (POD_NAME, POD_NAMESPACE, INSTANCE_IP, SERVICE_ACCOUNT) and every
 * {@code ISTIO_META_*} variable copied into node.metadata with the prefix stripped.
 * {@code ISTIO_METAJSON_*} values (and ISTIO_META_LABELS) are JSON objects and become structs;
 * everything else, including POD_PORTS, stays a string, as the pilot contract requires.
 */
public final class BootstrapLoader {

    static final String META_PREFIX = "ISTIO_META_";
    static final String META_JSON_PREFIX = "ISTIO_METAJSON_";

    private BootstrapLoader() {
    }

    /**
     * @param env        the process environment (System.getenv() in production)
     * @param pilotAddr  host:port of the control plane's plaintext ADS port
     * @param nodeType   sidecar or router
     */
    public static Bootstrap fromEnv(Map<String, String> env, String pilotAddr, NodeType nodeType) {
        String podName = require(env, "POD_NAME");
        String namespace = env.getOrDefault("POD_NAMESPACE", "default");
        String instanceIp = env.getOrDefault("INSTANCE_IP", "127.0.0.1");
        String serviceAccount = env.getOrDefault("SERVICE_ACCOUNT", "default");
        String domain = namespace + ".svc." + env.getOrDefault("CLUSTER_DOMAIN", "cluster.local");

        Map<String, Value> fields = new TreeMap<>();
        for (var e : new TreeMap<>(env).entrySet()) {
            String key = e.getKey();
            if (key.startsWith(META_JSON_PREFIX)) {
                fields.put(key.substring(META_JSON_PREFIX.length()), jsonObject(key, e.getValue()));
            } else if (key.startsWith(META_PREFIX)) {
                String name = key.substring(META_PREFIX.length());
                fields.put(name, name.equals("LABELS")
                        ? jsonObject(key, e.getValue())
                        : Value.newBuilder().setStringValue(e.getValue()).build());
            }
        }
        fields.putIfAbsent("NAME", string(podName));
        fields.putIfAbsent("NAMESPACE", string(namespace));
        fields.putIfAbsent("INSTANCE_IPS", string(instanceIp));
        fields.putIfAbsent("SERVICE_ACCOUNT", string(serviceAccount));
        fields.putIfAbsent("INTERCEPTION_MODE", string("REDIRECT"));
        fields.putIfAbsent("LABELS", Value.newBuilder().setStructValue(Struct.getDefaultInstance()).build());

        String nodeId = nodeType.idPrefix() + "~" + instanceIp + "~" + podName + "." + namespace + "~" + domain;
        HostPort pilot = HostPort.parse("pilot address", pilotAddr);
        return new Bootstrap(nodeType, nodeId, podName, namespace, instanceIp, serviceAccount,
                pilot.host(), pilot.port(), Struct.newBuilder().putAllFields(fields).build());
    }

    private static String require(Map<String, String> env, String key) {
        String value = env.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(key + ": missing (expected: the pod name from the downward API)");
        }
        return value;
    }

    private static Value string(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    private static Value jsonObject(String key, String json) {
        Struct.Builder struct = Struct.newBuilder();
        try {
            JsonFormat.parser().merge(json, struct);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(key + ": " + json + " (expected: a JSON object)", e);
        }
        return Value.newBuilder().setStructValue(struct).build();
    }

    /** host:port, with IPv6 literals in brackets. */
    public record HostPort(String host, int port) {
        public static HostPort parse(String what, String value) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new IllegalArgumentException(what + ": \"" + value + "\" (expected: host:port)");
            }
            String host = value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int port = Integer.parseInt(value.substring(colon + 1));
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
                return new HostPort(host, port);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + ": \"" + value + "\" (expected: a port 0-65535)");
            }
        }
    }
}
