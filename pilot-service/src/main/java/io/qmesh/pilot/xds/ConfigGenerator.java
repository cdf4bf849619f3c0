package io.qmesh.pilot.xds;

import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;

/** Runs the four translators for one proxy and checks the result. Pure: same inputs, same output. */
public final class ConfigGenerator {
    private ConfigGenerator() {
    }

    /** Translates what {@code proxy} may see: {@link MeshSnapshot#scopedFor} its namespace for a sidecar. */
    public static ProxyResources generate(MeshSnapshot full, ProxyNode proxy) {
        MeshSnapshot snapshot = full.scopedFor(proxy);
        return ProxyResources.of(snapshot.version(),
                ClusterTranslator.translate(snapshot, proxy),
                EndpointTranslator.translate(snapshot, proxy),
                ListenerTranslator.translate(snapshot, proxy),
                RouteTranslator.translate(snapshot, proxy));
    }
}
