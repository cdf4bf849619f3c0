package io.qmesh.pilot.model;

import io.qmesh.pilot.model.istio.Sidecar;
import io.qmesh.pilot.model.istio.VirtualService;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which services a sidecar is sent configuration for, in the terms of Istio's {@code Sidecar} resource:
 * egress hosts {@code <namespace>/<dnsName>}, where the namespace is a name, {@code .} (the sidecar's
 * own namespace) or {@code *}, and the name is a hostname, {@code *.suffix} or {@code *}. A service is
 * visible when an egress host selects (its namespace, its hostname). As in Istio, a VirtualService is
 * imported when an egress host selects (its namespace, one of its hosts), and then the services it names
 * (its hosts and every route and mirror destination) are visible too, so a rule never routes to a
 * cluster the sidecar lacks. Gateways are never scoped (they serve whatever their Gateway binds).
 *
 * <p>{@link #MESH} ({@code *}{@code /*}) is Istio's default without a Sidecar resource: every service.
 */
public record SidecarScope(List<EgressHost> hosts) {
    public static final SidecarScope MESH = parse(List.of("*/*"));
    /** Istio's default root namespace: a Sidecar there without workloadSelector is the mesh-wide default. */
    public static final String ROOT_NAMESPACE = "istio-system";

    /** One egress host, parsed. */
    public record EgressHost(String namespace, String host) {
        boolean selects(String objectNamespace, String hostname, String proxyNamespace) {
            boolean ns = switch (namespace) {
                case "*" -> true;
                case "." -> objectNamespace.equals(proxyNamespace);
                default -> namespace.equals(objectNamespace);
            };
            return ns && Hostnames.matches(host, hostname);
        }

        @Override
        public String toString() {
            return namespace + "/" + host;
        }
    }

    public SidecarScope {
        hosts = List.copyOf(hosts);
    }

    /** Parses {@code ["./*", "istio-system/*"]}; a malformed entry is an error naming its index. */
    public static SidecarScope parse(List<String> specs) {
        List<EgressHost> out = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            String spec = specs.get(i).trim();
            String problem = check(spec);
            if (problem != null) {
                throw new IllegalArgumentException("hosts[" + i + "]: " + problem);
            }
            int slash = spec.indexOf('/');
            out.add(new EgressHost(spec.substring(0, slash), spec.substring(slash + 1)));
        }
        return new SidecarScope(out);
    }

    /** Null for a well-formed egress host, else what is wrong with it (for validation messages). */
    public static String check(String spec) {
        int slash = spec == null ? -1 : spec.indexOf('/');
        if (slash <= 0 || slash == spec.length() - 1 || spec.indexOf('/', slash + 1) >= 0) {
            return "\"" + spec + "\" (expected: <namespace>/<host>, e.g. ./*, istio-system/* or */reviews.default.svc.cluster.local)";
        }
        return null;
    }

    /**
     * The scope a {@code Sidecar} object gives {@code namespace}, if one applies: the first without
     * {@code workloadSelector} in the namespace, else the first in the root namespace. Its hosts are
     * the union of its egress listeners' hosts (pilot does not split scopes by port).
     */
    public static Optional<SidecarScope> of(List<Sidecar> sidecars, String namespace) {
        Optional<Sidecar> own = namespaceWide(sidecars, namespace);
        Optional<Sidecar> chosen = own.isPresent() ? own : namespaceWide(sidecars, ROOT_NAMESPACE);
        return chosen.map(s -> {
            List<String> hosts = new ArrayList<>();
            s.spec().egress().forEach(e -> hosts.addAll(e.hosts()));
            return parse(hosts);
        });
    }

    private static Optional<Sidecar> namespaceWide(List<Sidecar> sidecars, String namespace) {
        return sidecars.stream()
                .filter(s -> s.metadata().namespace().equals(namespace) && s.spec().workloadSelector() == null)
                .filter(s -> !s.spec().egress().isEmpty())
                .findFirst();
    }

    /** True when every service is visible to every sidecar, so scoping can be skipped. */
    public boolean meshWide() {
        return hosts.stream().anyMatch(h -> h.namespace().equals("*") && h.host().equals("*"));
    }

    /** Hostnames of the services a sidecar in {@code proxyNamespace} is sent, sorted. */
    public Set<String> visibleHosts(MeshSnapshot snapshot, String proxyNamespace) {
        Set<String> out = new TreeSet<>();
        List<Service> services = snapshot.services();
        for (Service s : services) {
            if (selects(s.namespace(), s.hostname(), proxyNamespace)) {
                out.add(s.hostname());
            }
        }
        for (VirtualService vs : snapshot.rules().virtualServices()) {
            String ns = vs.metadata().namespace();
            List<String> vsHosts = vs.spec().hosts().stream().map(h -> Hostnames.resolve(h, ns)).toList();
            if (vsHosts.stream().noneMatch(h -> selects(ns, h, proxyNamespace))) {
                continue;
            }
            for (String host : vsHosts) {
                if (host.contains("*")) {
                    services.stream().filter(s -> Hostnames.matches(host, s.hostname()))
                            .forEach(s -> out.add(s.hostname()));
                } else {
                    snapshot.service(host).ifPresent(s -> out.add(s.hostname()));
                }
            }
            for (VirtualService.HttpRoute r : vs.spec().http()) {
                r.route().stream().filter(d -> d.destination() != null)
                        .forEach(d -> out.add(Hostnames.resolve(d.destination().host(), ns)));
                if (r.mirror() != null) {
                    out.add(Hostnames.resolve(r.mirror().host(), ns));
                }
            }
        }
        return out;
    }

    private boolean selects(String objectNamespace, String hostname, String proxyNamespace) {
        for (EgressHost h : hosts) {
            if (h.selects(objectNamespace, hostname, proxyNamespace)) {
                return true;
            }
        }
        return false;
    }
}
