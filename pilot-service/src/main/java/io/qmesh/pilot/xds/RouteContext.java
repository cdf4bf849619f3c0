package io.qmesh.pilot.xds;

import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;

import java.util.Set;

/**
 * Where routes are being built: for which proxy, on which port, and for which gateways ({@code mesh}
 * for sidecars, {@code namespace/name} of the selected Gateways for a gateway proxy). Match blocks and
 * routes that do not apply here (another port, other source labels, another gateway) are left out.
 */
record RouteContext(MeshSnapshot snapshot, ProxyNode proxy, int port, Set<String> gateways) {
    static final String MESH = "mesh";

    boolean sidecar() {
        return gateways.contains(MESH);
    }
}
