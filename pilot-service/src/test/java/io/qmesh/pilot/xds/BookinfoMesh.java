package io.qmesh.pilot.xds;

import io.qmesh.pilot.adapter.local.LocalAdapter;
import io.qmesh.pilot.model.MeshRules;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.ServiceRegistry;
import io.qmesh.pilot.model.WorkloadPort;
import io.qmesh.pilot.model.istio.IstioConfig;
import io.qmesh.pilot.rules.ParsedDocument;
import io.qmesh.pilot.rules.RuleCodec;
import io.qmesh.pilot.rules.RuleValidator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Bookinfo's four services and six workloads, registered the way connecting sidecars register them. */
public final class BookinfoMesh {
    public static final Map<String, ProxyNode> PROXIES = new LinkedHashMap<>();

    static {
        add("productpage", "v1", "10.0.0.10");
        add("details", "v1", "10.0.0.20");
        add("reviews", "v1", "10.0.0.31");
        add("reviews", "v2", "10.0.0.32");
        add("reviews", "v3", "10.0.0.33");
        add("ratings", "v1", "10.0.0.40");
        PROXIES.put("ingressgateway", new ProxyNode(
                "router~10.0.0.2~istio-ingressgateway-1.istio-system~istio-system.svc.cluster.local",
                ProxyNode.Type.ROUTER, "10.0.0.2", "istio-ingressgateway-1", "istio-system",
                Map.of("istio", "ingressgateway", "app", "istio-ingressgateway"),
                List.of(new WorkloadPort("http2", 8080, null)), "istio-ingressgateway", "istio-ingressgateway", null));
    }

    private BookinfoMesh() {
    }

    public static ProxyNode sidecar(String app, String version, String ip) {
        String pod = app + "-" + version + "-5d8f7c9b4-x2x7k";
        return new ProxyNode("sidecar~" + ip + "~" + pod + ".default~default.svc.cluster.local", ProxyNode.Type.SIDECAR,
                ip, pod, "default", Map.of("app", app, "version", version),
                List.of(new WorkloadPort("http", 9080, null)), "bookinfo-" + app, app + "-" + version, null);
    }

    private static void add(String app, String version, String ip) {
        PROXIES.put(app + "-" + version, sidecar(app, version, ip));
    }

    /** The registry as the local adapter builds it once every bookinfo sidecar has connected. */
    public static LocalAdapter adapter() {
        LocalAdapter adapter = new LocalAdapter(Duration.ofSeconds(30), System::nanoTime, ServiceRegistry.EMPTY);
        PROXIES.values().forEach(adapter::connected);
        return adapter;
    }

    public static MeshSnapshot snapshot(long version, List<String> ruleFiles) {
        ServiceRegistry r = adapter().registry();
        return new MeshSnapshot(version, r.services(), r.workloads(), MeshRules.of(rules(ruleFiles)));
    }

    /** Applies the files in order: a later object replaces an earlier one of the same kind/namespace/name. */
    public static List<IstioConfig> rules(List<String> files) {
        Map<Object, IstioConfig> out = new LinkedHashMap<>();
        for (String f : files) {
            var docs = RuleCodec.documents(resource("/bookinfo/" + f));
            for (int i = 0; i < docs.size(); i++) {
                ParsedDocument d = RuleCodec.read(i, docs.get(i), "default");
                if (!d.ok() || !RuleValidator.validate(d.config()).ok()) {
                    throw new IllegalArgumentException(f + " document " + i + " is invalid: " + d.errors());
                }
                out.put(d.config().key(), d.config());
            }
        }
        return new ArrayList<>(out.values());
    }

    public static String resource(String path) {
        try (var in = BookinfoMesh.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
