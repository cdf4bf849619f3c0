package io.qmesh.injector.kubeinject;

import io.qmesh.injector.inject.Injector;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /kube-inject} with a multi-document YAML body returns the injected YAML, rendered
 * with the running injector's mesh config and template:
 * {@code curl --cacert ca.crt -H 'Content-Type: application/yaml' --data-binary @app.yaml https://<injector>:15017/kube-inject}.
 * Invalid input answers 400 with a message naming the document.
 */
@Path("/kube-inject")
public class KubeInjectResource {

    private final KubeInjector kubeInjector;

    @Inject
    public KubeInjectResource(Injector injector) {
        this.kubeInjector = new KubeInjector(injector);
    }

    @POST
    @Consumes({"application/yaml", "application/x-yaml", "text/yaml", "text/plain"})
    @Produces("application/yaml")
    public Response inject(String yaml) {
        try {
            return Response.ok(kubeInjector.inject(yaml)).build();
        } catch (IllegalArgumentException e) {
            return Response.status(400).type("text/plain").entity(e.getMessage() + "\n").build();
        }
    }
}
