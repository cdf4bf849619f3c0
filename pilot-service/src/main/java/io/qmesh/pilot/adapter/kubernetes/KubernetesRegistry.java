package io.qmesh.pilot.adapter.kubernetes;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.qmesh.pilot.model.Hostnames;
import io.qmesh.pilot.model.Protocol;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.ServicePort;
import io.qmesh.pilot.model.ServiceRegistry;
import io.qmesh.pilot.model.Workload;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Turns the informers' objects into the model's registry, a pure function so that the same objects
 * always give the same registry, whatever order their events came in:
 * <ul>
 *   <li>a Service (not ExternalName) in a selected namespace is a {@link Service}: hostname
 *       {@code <name>.<ns>.svc.cluster.local}, its TCP ports with Istio's protocol selection
 *       ({@code appProtocol}, else the port name), its cluster IP (none for headless);</li>
 *   <li>each ready endpoint address of its EndpointSlices is a {@link Workload} with the labels and
 *       service account of the Pod it targets, and the slice's ports (named as the Service's ports, so
 *       the target port is found by name). An address that is not ready, or whose Pod is not ready or
 *       is terminating, is not an endpoint (Istio's default); one whose Pod has not been seen yet is
 *       left out until it is (its labels decide its subsets).</li>
 * </ul>
 */
final class KubernetesRegistry {
    private KubernetesRegistry() {
    }

    static ServiceRegistry build(Collection<io.fabric8.kubernetes.api.model.Service> kubeServices,
                                 Collection<EndpointGroup> groups, Collection<Pod> pods,
                                 Predicate<String> namespaceSelected, String source) {
        Map<String, Service> services = new HashMap<>();
        for (var s : kubeServices) {
            Service service = service(s);
            if (service != null && namespaceSelected.test(service.namespace())) {
                services.put(service.hostname(), service);
            }
        }
        Map<String, Pod> podsByName = new HashMap<>();
        for (Pod p : pods) {
            podsByName.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(), p);
        }
        List<Workload> workloads = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (EndpointGroup g : groups) {
            String host = Hostnames.fqdn(g.service(), g.namespace());
            if (!services.containsKey(host)) {
                continue;
            }
            for (EndpointGroup.Address a : g.addresses()) {
                Pod pod = a.pod() == null ? null : podsByName.get(g.namespace() + "/" + a.pod());
                if (!a.ready() || (a.pod() != null && (pod == null || !ready(pod))) || !seen.add(host + "|" + a.ip())) {
                    continue;
                }
                String name = pod == null ? g.service() + "-" + a.ip() : a.pod();
                Map<String, String> labels = pod == null || pod.getMetadata().getLabels() == null
                        ? Map.of() : pod.getMetadata().getLabels();
                String serviceAccount = pod == null ? "" : pod.getSpec() == null ? "" : pod.getSpec().getServiceAccountName();
                workloads.add(new Workload(name, g.namespace(), g.service(), a.ip(), g.ports(), labels, serviceAccount,
                        true, source));
            }
        }
        return new ServiceRegistry(new ArrayList<>(services.values()), workloads);
    }

    /** The model's service for a Kubernetes Service, or null for an ExternalName service. */
    static Service service(io.fabric8.kubernetes.api.model.Service s) {
        var spec = s.getSpec();
        if (spec == null || "ExternalName".equals(spec.getType())) {
            return null;
        }
        String name = s.getMetadata().getName();
        String ns = s.getMetadata().getNamespace();
        List<ServicePort> ports = new ArrayList<>();
        if (spec.getPorts() != null) {
            for (var p : spec.getPorts()) {
                if (p.getPort() != null && (p.getProtocol() == null || "TCP".equals(p.getProtocol()))) {
                    ports.add(new ServicePort(p.getName(), p.getPort(), Protocol.select(p.getName(), p.getAppProtocol())));
                }
            }
        }
        String ip = spec.getClusterIP();
        String address = ip == null || ip.isEmpty() || "None".equals(ip) ? "" : ip;
        return new Service(name, ns, Hostnames.fqdn(name, ns), ports, address);
    }

    /**
     * The namespaces whose labels include every {@code selector} label (Istio's discoverySelectors as
     * matchLabels): only their Services and endpoints are in the mesh.
     */
    static Predicate<String> selected(Collection<Namespace> namespaces, Map<String, String> selector) {
        Set<String> out = new HashSet<>();
        for (Namespace n : namespaces) {
            Map<String, String> labels = n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
            if (selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
                out.add(n.getMetadata().getName());
            }
        }
        return out::contains;
    }

    /** A pod that is terminating, or whose Ready condition is False, serves no traffic. */
    static boolean ready(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return true;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return !"False".equals(c.getStatus());
            }
        }
        return true;
    }
}
