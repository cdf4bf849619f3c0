package io.qmesh.pilot.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmesh.pilot.model.istio.ConfigKey;
import io.qmesh.pilot.model.istio.ConfigKind;
import io.qmesh.pilot.model.istio.IstioConfig;
import io.qmesh.pilot.rules.FieldError;
import io.qmesh.pilot.rules.RuleCodec;
import io.qmesh.pilot.rules.RuleService;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * Kubernetes-style CRUD for rules: {@code /apis/<group>/<version>/namespaces/<ns>/<plural>[/<name>]},
 * every version a kind accepts (v1, v1beta1, v1alpha3) being an alias of the same objects; plus
 * {@code POST /apply} for multi-document YAML or JSON. Bodies may be YAML or JSON whatever the content
 * type says. Warnings go back in {@code Warning} headers, as the Kubernetes API server sends them.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class RulesResource {
    @Inject
    PilotRuntime runtime;

    @GET
    @Path("apis/{group}/{version}/{plural}")
    public Response listAll(@PathParam("group") String group, @PathParam("version") String version,
                            @PathParam("plural") String plural) {
        return list(group, version, plural, null);
    }

    @GET
    @Path("apis/{group}/{version}/namespaces/{ns}/{plural}")
    public Response list(@PathParam("group") String group, @PathParam("version") String version,
                         @PathParam("plural") String plural, @PathParam("ns") String ns) {
        ConfigKind kind = kind(group, version, plural);
        if (kind == null) {
            return unknown(group, version, plural);
        }
        ObjectNode list = JsonNodeFactory.instance.objectNode();
        list.put("apiVersion", group + "/" + version).put("kind", kind.kind() + "List");
        list.putObject("metadata").put("resourceVersion", Long.toString(rules().store().revision()));
        ArrayNode items = list.putArray("items");
        rules().store().list(kind, ns).forEach(c -> items.add(tree(c, group, version)));
        return Response.ok(list).build();
    }

    @GET
    @Path("apis/{group}/{version}/namespaces/{ns}/{plural}/{name}")
    public Response get(@PathParam("group") String group, @PathParam("version") String version,
                        @PathParam("plural") String plural, @PathParam("ns") String ns, @PathParam("name") String name) {
        ConfigKind kind = kind(group, version, plural);
        if (kind == null) {
            return unknown(group, version, plural);
        }
        return rules().store().get(new ConfigKey(kind, ns, name))
                .map(c -> Response.ok(tree(c, group, version)).build())
                .orElseGet(() -> StatusResponses.notFound(kind.kind() + " " + ns + "/" + name + " not found"));
    }

    @POST
    @Path("apis/{group}/{version}/namespaces/{ns}/{plural}")
    public Response create(@PathParam("group") String group, @PathParam("version") String version,
                           @PathParam("plural") String plural, @PathParam("ns") String ns, String body) {
        ConfigKind kind = kind(group, version, plural);
        if (kind == null) {
            return unknown(group, version, plural);
        }
        IstioConfig created = rules().create(kind, ns, body);
        return withWarnings(Response.status(201).entity(tree(created, group, version)), created).build();
    }

    @PUT
    @Path("apis/{group}/{version}/namespaces/{ns}/{plural}/{name}")
    public Response replace(@PathParam("group") String group, @PathParam("version") String version,
                            @PathParam("plural") String plural, @PathParam("ns") String ns,
                            @PathParam("name") String name, String body) {
        ConfigKind kind = kind(group, version, plural);
        if (kind == null) {
            return unknown(group, version, plural);
        }
        IstioConfig replaced = rules().replace(kind, ns, name, body);
        return withWarnings(Response.ok(tree(replaced, group, version)), replaced).build();
    }

    @DELETE
    @Path("apis/{group}/{version}/namespaces/{ns}/{plural}/{name}")
    public Response delete(@PathParam("group") String group, @PathParam("version") String version,
                           @PathParam("plural") String plural, @PathParam("ns") String ns, @PathParam("name") String name) {
        ConfigKind kind = kind(group, version, plural);
        if (kind == null) {
            return unknown(group, version, plural);
        }
        rules().delete(new ConfigKey(kind, ns, name));
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("kind", "Status").put("apiVersion", "v1").put("status", "Success");
        s.putObject("details").put("name", name).put("kind", plural);
        return Response.ok(s).build();
    }

    /** Multi-document apply: all or nothing, one result per document (created/configured/unchanged/rejected/skipped). */
    @POST
    @Path("apply")
    public Response apply(@QueryParam("namespace") @DefaultValue("default") String namespace, String body) {
        RuleService.Result result = rules().apply(body, namespace);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("ok", result.ok());
        ArrayNode results = out.putArray("results");
        for (RuleService.ObjectResult r : result.objects()) {
            ObjectNode o = results.addObject();
            o.put("index", r.index()).put("kind", r.kind()).put("namespace", r.namespace()).put("name", r.name())
                    .put("result", r.result());
            r.errors().forEach(e -> o.withArray("errors").add(e.toString()));
            r.warnings().forEach(w -> o.withArray("warnings").add(w.toString()));
        }
        return Response.status(result.ok() ? 200 : 422).entity(out).build();
    }

    private Response.ResponseBuilder withWarnings(Response.ResponseBuilder b, IstioConfig config) {
        for (FieldError w : rules().warnings(config)) {
            b.header("Warning", "299 - \"" + w.toString().replace("\"", "'") + "\"");
        }
        return b;
    }

    private RuleService rules() {
        return runtime.rules();
    }

    private static ConfigKind kind(String group, String version, String plural) {
        return ConfigKind.byPath(group, version, plural).orElse(null);
    }

    private static ObjectNode tree(IstioConfig c, String group, String version) {
        ObjectNode t = RuleCodec.toTree(c);
        t.put("apiVersion", group + "/" + version);
        return t;
    }

    private static Response unknown(String group, String version, String plural) {
        return StatusResponses.failure(404, "NotFound", "the server could not find the requested resource "
                + group + "/" + version + "/" + plural, List.of());
    }
}
