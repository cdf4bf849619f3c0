package io.qmesh.pilot.xds;

import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.Workload;

import java.util.ArrayList;
import java.util.List;

/**
 * EDS: one load assignment per EDS cluster. A subset's endpoints are the service's workloads whose labels
 * include all the subset's labels. Unhealthy workloads are sent marked UNHEALTHY rather than dropped, so
 * that the proxy's view matches {@code /debug/registryz}.
 */
public final class EndpointTranslator {
    private EndpointTranslator() {
    }

    public static List<ClusterLoadAssignment> translate(MeshSnapshot snapshot, ProxyNode proxy) {
        List<ClusterLoadAssignment> out = new ArrayList<>();
        for (OutboundCluster c : OutboundCluster.all(snapshot)) {
            if (c.passthrough()) {
                continue;
            }
            LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
            for (Workload w : snapshot.workloadsOf(c.service())) {
                if (!w.matches(c.subsetLabels())) {
                    continue;
                }
                locality.addLbEndpoints(LbEndpoint.newBuilder()
                        .setEndpoint(Endpoint.newBuilder().setAddress(Protos.address(w.address(), w.targetPort(c.port()))))
                        .setHealthStatus(w.healthy() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY)
                        .setLoadBalancingWeight(Protos.u32(1)));
            }
            ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(c.name());
            if (locality.getLbEndpointsCount() > 0) {
                cla.addEndpoints(locality);
            }
            out.add(cla.build());
        }
        out.sort(java.util.Comparator.comparing(ClusterLoadAssignment::getClusterName));
        return out;
    }
}
