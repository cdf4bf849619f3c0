package io.qmesh.pilot.bench;

import com.google.protobuf.Message;
import io.qmesh.pilot.model.Hostnames;
import io.qmesh.pilot.model.MeshRules;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.Protocol;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.ServicePort;
import io.qmesh.pilot.model.SidecarScope;
import io.qmesh.pilot.model.Workload;
import io.qmesh.pilot.model.WorkloadPort;
import io.qmesh.pilot.model.istio.IstioConfig;
import io.qmesh.pilot.rules.RuleCodec;
import io.qmesh.pilot.xds.ConfigCache;
import io.qmesh.pilot.xds.ProxyResources;
import io.qmesh.pilot.xds.TypeUrls;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * What sidecar scoping saves, in bytes, for the pilot bench's mesh spread over namespaces: N services
 * {@code svc-i} in {@code ns-(i % namespaces)}, one sidecar each, a DestinationRule and a VirtualService
 * on svc-0 (in ns-0) whose weights change, as in {@code bench/pilot-xds.sh}. For the mesh-wide scope
 * ({@code * /*}) and pilot's default ({@code ./*, istio-system/*, qmesh-system/*}) it prints the config
 * bytes per sidecar and the bytes per sidecar per change, counted as pilot sends them: CDS and LDS whole
 * when anything in them changed, EDS and RDS only the changed resources. Deterministic, no network:
 * <pre>java -cp ... io.qmesh.pilot.bench.ScopeBytes 1000 100</pre>
 */
public final class ScopeBytes {
    private ScopeBytes() {
    }

    public static void main(String[] args) {
        int services = Integer.parseInt(args[0]);
        int namespaces = Integer.parseInt(args[1]);
        List<Service> svcs = new ArrayList<>();
        List<Workload> workloads = new ArrayList<>();
        List<ProxyNode> proxies = new ArrayList<>();
        for (int i = 0; i < services; i++) {
            String name = "svc-" + i;
            String ns = "ns-" + (i % namespaces);
            String ip = "10.1." + (i >> 8 & 255) + "." + (i & 255);
            List<WorkloadPort> ports = List.of(new WorkloadPort("http", 9080, Protocol.HTTP));
            svcs.add(new Service(name, ns, Hostnames.fqdn(name, ns), List.of(new ServicePort("http", 9080, Protocol.HTTP)), ""));
            Map<String, String> labels = Map.of("app", name, "version", i % 2 == 0 ? "v1" : "v2");
            workloads.add(new Workload(name + "-0", ns, name, ip, ports, labels, name, true, "bench"));
            proxies.add(new ProxyNode("sidecar~" + ip + "~" + name + "-0." + ns + "~" + ns + ".svc.cluster.local",
                    ProxyNode.Type.SIDECAR, ip, name + "-0", ns, labels, ports, name, name, null));
        }
        System.out.printf("%d services in %d namespaces, %d sidecars, one VirtualService change on svc-0 (ns-0)%n",
                services, namespaces, proxies.size());
        for (String scope : List.of("*/*", "./*,istio-system/*,qmesh-system/*")) {
            SidecarScope parsed = SidecarScope.parse(List.of(scope.split(",")));
            ConfigCache cache = new ConfigCache();
            MeshSnapshot before = new MeshSnapshot(1, svcs, workloads, MeshRules.of(rules(0)), parsed);
            MeshSnapshot after = new MeshSnapshot(2, svcs, workloads, MeshRules.of(rules(1)), parsed);
            List<ProxyResources> first = proxies.stream().map(p -> cache.generate(before, p)).toList();
            long config = 0;
            long change = 0;
            int reached = 0;
            for (int i = 0; i < proxies.size(); i++) {
                ProxyResources a = first.get(i);
                ProxyResources b = cache.generate(after, proxies.get(i));
                long sent = 0;
                for (String type : TypeUrls.PUSH_ORDER) {
                    config += bytes(a.resources(type), null, false);
                    sent += bytes(b.resources(type), a.resources(type), !TypeUrls.requestedByName(type));
                }
                change += sent;
                reached += sent > 0 ? 1 : 0;
            }
            System.out.printf("scope %-36s config per sidecar %8d B; per change: %8d B per sidecar on average, "
                    + "%d sidecars sent anything%n", scope, config / proxies.size(), change / proxies.size(), reached);
        }
    }

    /** Bytes of {@code now} as pilot would send them after {@code before} (null: all of them). */
    private static long bytes(SortedMap<String, Message> now, SortedMap<String, Message> before, boolean wholeIfChanged) {
        long changed = 0;
        long all = 0;
        for (Map.Entry<String, Message> e : now.entrySet()) {
            int size = e.getValue().getSerializedSize();
            all += size;
            if (before == null || !e.getValue().equals(before.get(e.getKey()))) {
                changed += size;
            }
        }
        boolean anyRemoved = before != null && !now.keySet().containsAll(before.keySet());
        if (before == null) {
            return all;
        }
        return wholeIfChanged ? (changed > 0 || anyRemoved ? all : 0) : changed;
    }

    private static List<IstioConfig> rules(int change) {
        List<IstioConfig> out = new ArrayList<>();
        for (String yaml : List.of(AdsLoad.destinationRule(), AdsLoad.virtualService(change))) {
            out.add(RuleCodec.read(0, RuleCodec.documents(yaml).get(0), "ns-0").config());
        }
        return out;
    }
}
