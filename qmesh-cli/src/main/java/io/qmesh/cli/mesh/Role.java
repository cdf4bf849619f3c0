package io.qmesh.cli.mesh;

/** What a process of the mesh is; also its start order (pilot first, so proxies connect at once). */
public enum Role {
    PILOT, APP, SIDECAR, GATEWAY;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
