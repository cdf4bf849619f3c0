package io.qmesh.pilot.adapter.kubernetes;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.qmesh.pilot.model.Protocol;
import io.qmesh.pilot.model.WorkloadPort;

import java.util.ArrayList;
import java.util.List;

/**
 * The endpoints of one Service as one EndpointSlice (or one subset of a legacy Endpoints object) lists
 * them: addresses with readiness and the pod behind them, and the ports they serve, named as the
 * Service's ports. Both APIs become this, so the registry is built the same way from either.
 */
record EndpointGroup(String namespace, String service, List<Address> addresses, List<WorkloadPort> ports) {
    /** The label that ties an EndpointSlice to its Service. */
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /** One endpoint address; {@code pod} is the target pod's name, or null for an endpoint without a pod. */
    record Address(String ip, boolean ready, String pod) {
    }

    EndpointGroup {
        addresses = List.copyOf(addresses);
        ports = List.copyOf(ports);
    }

    /** A slice; null when it names no Service (a slice managed by something else). */
    static EndpointGroup of(EndpointSlice slice) {
        var labels = slice.getMetadata().getLabels();
        String service = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
        if (service == null || service.isEmpty()) {
            return null;
        }
        List<Address> addresses = new ArrayList<>();
        if (slice.getEndpoints() != null) {
            for (var e : slice.getEndpoints()) {
                // The API says an unset "ready" means ready; "terminating" endpoints are reported not ready.
                boolean ready = e.getConditions() == null || e.getConditions().getReady() == null
                        || e.getConditions().getReady();
                for (String ip : e.getAddresses()) {
                    addresses.add(new Address(ip, ready, podName(e.getTargetRef())));
                }
            }
        }
        List<WorkloadPort> ports = new ArrayList<>();
        if (slice.getPorts() != null) {
            slice.getPorts().forEach(p -> addPort(ports, p.getName(), p.getPort(), p.getProtocol(), p.getAppProtocol()));
        }
        return new EndpointGroup(slice.getMetadata().getNamespace(), service, addresses, ports);
    }

    /** A legacy Endpoints object: one group per subset (each subset has its own ports). */
    static List<EndpointGroup> of(Endpoints endpoints) {
        List<EndpointGroup> out = new ArrayList<>();
        if (endpoints.getSubsets() == null) {
            return out;
        }
        for (EndpointSubset subset : endpoints.getSubsets()) {
            List<Address> addresses = new ArrayList<>();
            addAll(addresses, subset.getAddresses(), true);
            addAll(addresses, subset.getNotReadyAddresses(), false);
            List<WorkloadPort> ports = new ArrayList<>();
            if (subset.getPorts() != null) {
                subset.getPorts().forEach(p -> addPort(ports, p.getName(), p.getPort(), p.getProtocol(), p.getAppProtocol()));
            }
            out.add(new EndpointGroup(endpoints.getMetadata().getNamespace(), endpoints.getMetadata().getName(),
                    addresses, ports));
        }
        return out;
    }

    /** Only TCP ports carry mesh traffic; UDP and SCTP ports are left out. */
    private static void addPort(List<WorkloadPort> out, String name, Integer port, String protocol, String appProtocol) {
        if (port != null && !"UDP".equals(protocol) && !"SCTP".equals(protocol)) {
            out.add(new WorkloadPort(name, port, Protocol.select(name, appProtocol)));
        }
    }

    private static void addAll(List<Address> out, List<EndpointAddress> in, boolean ready) {
        if (in != null) {
            in.forEach(a -> out.add(new Address(a.getIp(), ready, podName(a.getTargetRef()))));
        }
    }

    private static String podName(ObjectReference ref) {
        return ref != null && "Pod".equals(ref.getKind()) ? ref.getName() : null;
    }
}
