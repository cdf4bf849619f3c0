package io.qmesh.cli.mesh;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One process of the mesh.
 *
 * @param name     unique, also the proxy name for {@code proxy-config} (the pod name for sidecars)
 * @param address  the loopback address it serves on (a sidecar's is the pod IP; its app's is another)
 * @param readyUrl answers 200 once the process is ready
 * @param adminUrl a proxy's admin endpoint (null for others)
 * @param proxyId  a proxy's {@code <pod>.<namespace>} as pilot knows it (null for others)
 */
public record ProcessSpec(String name, Role role, String address, List<String> command, Map<String, String> env,
                          Path log, URI readyUrl, URI adminUrl, String proxyId) {
    public ProcessSpec {
        command = List.copyOf(command);
        env = Map.copyOf(env);
    }
}
