package io.qmesh.pilot.xds;

import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.ServicePort;
import io.qmesh.pilot.model.istio.DestinationRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One outbound cluster: a service port, optionally narrowed to a DestinationRule subset. CDS and EDS
 * both enumerate clusters through {@link #all}, so every EDS cluster has its endpoints by construction.
 */
record OutboundCluster(String name, Service service, ServicePort port, String subset,
                       Map<String, String> subsetLabels, TrafficPolicy policy) {

    static List<OutboundCluster> all(MeshSnapshot snapshot) {
        List<OutboundCluster> out = new ArrayList<>();
        for (Service s : snapshot.services()) {
            Optional<DestinationRule> dr = snapshot.rules().destinationRuleFor(s.hostname(), s.namespace());
            for (ServicePort p : s.ports()) {
                out.add(new OutboundCluster(ClusterNames.outbound(p.port(), "", s.hostname()), s, p, "", Map.of(),
                        TrafficPolicy.forCluster(dr.orElse(null), null, p.port())));
                if (dr.isEmpty()) {
                    continue;
                }
                for (DestinationRule.Subset subset : dr.get().spec().subsets()) {
                    out.add(new OutboundCluster(ClusterNames.outbound(p.port(), subset.name(), s.hostname()), s, p,
                            subset.name(), subset.labels(), TrafficPolicy.forCluster(dr.get(), subset, p.port())));
                }
            }
        }
        return out;
    }

    boolean passthrough() {
        return policy.loadBalancer() != null && "PASSTHROUGH".equals(policy.loadBalancer().simple());
    }
}
