package io.qmesh.pilot.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.Workload;
import io.qmesh.pilot.rules.RuleCodec;
import io.qmesh.pilot.xds.ResourcePrinter;
import io.qmesh.pilot.xds.TypeUrls;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Istio-style debug endpoints: what each proxy was sent and acknowledged, the model, and the registry. */
@Path("/debug")
@Produces(MediaType.APPLICATION_JSON)
public class DebugResource {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @Inject
    PilotRuntime runtime;

    /** Per connected proxy and type: sent version and nonce, ACKed version, last NACK. */
    @GET
    @Path("syncz")
    public ArrayNode syncz() {
        ArrayNode out = JSON.arrayNode();
        for (ProxyConnection c : runtime.ads().connections()) {
            ObjectNode p = out.addObject();
            p.put("proxy", c.node.id()).put("stream", c.streamId).put("connectedAtMillis", c.connectedAt);
            ObjectNode types = p.putObject("types");
            synchronized (c) {
                c.states().forEach((type, ts) -> {
                    ObjectNode t = types.putObject(TypeUrls.shortName(type));
                    t.put("subscribed", ts.subscribed).put("resourceNames", ts.names.size())
                            .put("sentVersion", ts.sentVersion).put("sentNonce", ts.sentNonce)
                            .put("ackedVersion", ts.ackedVersion).put("nackedVersion", ts.nackVersion)
                            .put("lastNack", ts.lastNack).put("responsesSent", ts.sends);
                });
            }
        }
        return out;
    }

    /** The model: snapshot version and every stored rule. */
    @GET
    @Path("configz")
    public ObjectNode configz() {
        ObjectNode out = JSON.objectNode();
        MeshSnapshot s = runtime.state().current();
        out.put("snapshotVersion", s.version()).put("storeRevision", runtime.rules().store().revision());
        ArrayNode items = out.putArray("rules");
        runtime.rules().store().all().forEach(c -> items.add(RuleCodec.toTree(c)));
        return out;
    }

    /** Exactly what one proxy was last sent, per type, as Envoy-style JSON. */
    @GET
    @Path("config_dump")
    public Response configDump(@QueryParam("proxyID") String proxyId) {
        for (ProxyConnection c : runtime.ads().connections()) {
            if (!c.node.id().equals(proxyId) && !c.node.podName().equals(proxyId)
                    && !(c.node.podName() + "." + c.node.namespace()).equals(proxyId)) {
                continue;
            }
            ObjectNode out = JSON.objectNode();
            out.put("proxy", c.node.id());
            synchronized (c) {
                c.states().forEach((type, ts) -> {
                    ObjectNode t = out.putObject(TypeUrls.shortName(type));
                    t.put("version", ts.sentVersion);
                    t.set("resources", ts.sentResources == null ? JSON.arrayNode() : ResourcePrinter.toTree(ts.sentResources));
                });
            }
            return Response.ok(out).build();
        }
        return StatusResponses.notFound("no connected proxy " + proxyId
                + " (expected: a node id, pod name, or pod.namespace from /debug/syncz)");
    }

    /** Services and their endpoints as the model holds them. */
    @GET
    @Path("registryz")
    public ArrayNode registryz() {
        MeshSnapshot s = runtime.state().current();
        ArrayNode out = JSON.arrayNode();
        for (Service svc : s.services()) {
            ObjectNode o = out.addObject();
            o.put("hostname", svc.hostname()).put("namespace", svc.namespace());
            ArrayNode ports = o.putArray("ports");
            svc.ports().forEach(p -> ports.addObject().put("name", p.name()).put("port", p.port()).put("protocol", p.protocol().name()));
            ArrayNode eps = o.putArray("endpoints");
            for (Workload w : s.workloadsOf(svc)) {
                ObjectNode e = eps.addObject();
                e.put("name", w.name()).put("address", w.address()).put("healthy", w.healthy())
                        .put("serviceAccount", w.serviceAccount()).put("source", w.source());
                ObjectNode labels = e.putObject("labels");
                w.labels().forEach(labels::put);
            }
        }
        return out;
    }
}
