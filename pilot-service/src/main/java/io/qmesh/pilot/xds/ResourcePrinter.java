package io.qmesh.pilot.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

import java.io.IOException;
import java.util.Collection;

/**
 * Envoy resources as proto3 JSON (the form of Envoy's own {@code config_dump}), with every {@code Any}
 * expanded and map keys sorted, so the output is deterministic: used by golden files and the debug API.
 */
public final class ResourcePrinter {
    private static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
            .add(HttpConnectionManager.getDescriptor())
            .add(Router.getDescriptor())
            .add(HTTPFault.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.getDescriptor())
            .add(TcpProxy.getDescriptor())
            .add(OriginalDst.getDescriptor())
            .add(HttpProtocolOptions.getDescriptor())
            .add(PreviousHostsPredicate.getDescriptor())
            // FallbackPolicy: aggregate clusters, retry priorities, marking filters, custom responses.
            .add(io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.custom_response.v3.CustomResponse.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy.getDescriptor())
            .add(io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput.getDescriptor())
            .add(io.envoyproxy.envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput.getDescriptor())
            .add(io.envoyproxy.envoy.type.matcher.v3.HttpResponseHeaderMatchInput.getDescriptor())
            .build();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(TYPES).sortingMapKeys();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

    private ResourcePrinter() {
    }

    public static JsonNode toTree(Message m) {
        try {
            return JSON.readTree(PRINTER.print(m));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + m.getDescriptorForType().getFullName(), e);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ArrayNode toTree(Collection<? extends Message> messages) {
        ArrayNode a = JSON.createArrayNode();
        messages.forEach(m -> a.add(toTree(m)));
        return a;
    }

    public static String toYaml(Collection<? extends Message> messages) {
        try {
            return YAML.writeValueAsString(toTree(messages));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonFormat.TypeRegistry types() {
        return TYPES;
    }
}
