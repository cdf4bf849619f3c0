package io.qmesh.proxy.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.qmesh.proxy.cluster.UpstreamProtocol;
import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.testing.Mesh;
import org.junit.jupiter.api.Test;

/** Which HTTP version a cluster speaks upstream, from the shapes pilot and Envoy configs use. */
class UpstreamProtocolTest {

    static Cluster with(HttpProtocolOptions options) {
        return Cluster.newBuilder().setName("c")
                .putTypedExtensionProtocolOptions(ClusterTranslator.HTTP_PROTOCOL_OPTIONS, Any.pack(options)).build();
    }

    @Test
    void pilotsHttp2PortShapeIsHttp2() throws Exception {
        assertEquals(UpstreamProtocol.HTTP2, ClusterTranslator.protocol(
                Mesh.http2(Mesh.edsCluster("c", Cluster.LbPolicy.ROUND_ROBIN)), "clusters[c]"));
    }

    @Test
    void explicitHttp1AndNothingAtAllAreHttp1() throws Exception {
        assertEquals(UpstreamProtocol.HTTP1, ClusterTranslator.protocol(with(HttpProtocolOptions.newBuilder()
                .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                        .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance())).build()), "clusters[c]"));
        assertEquals(UpstreamProtocol.HTTP1, ClusterTranslator.protocol(Cluster.newBuilder().setName("c").build(), "f"));
    }

    @Test
    void legacyClusterFieldAndUseDownstream() throws Exception {
        @SuppressWarnings("deprecation")
        Cluster legacy = Cluster.newBuilder().setName("c")
                .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()).build();
        assertEquals(UpstreamProtocol.HTTP2, ClusterTranslator.protocol(legacy, "f"));
        UpstreamProtocol downstream = ClusterTranslator.protocol(with(HttpProtocolOptions.newBuilder()
                .setUseDownstreamProtocolConfig(HttpProtocolOptions.UseDownstreamHttpConfig.getDefaultInstance())
                .build()), "f");
        assertEquals(UpstreamProtocol.DOWNSTREAM, downstream);
        assertTrue(downstream.http2For(true));
        assertFalse(downstream.http2For(false));
    }

    @Test
    void autoConfigNeedsAlpnAndIsNacked() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ClusterTranslator.protocol(
                with(HttpProtocolOptions.newBuilder().setAutoConfig(HttpProtocolOptions.AutoHttpConfig.getDefaultInstance())
                        .build()), "clusters[c]"));
        assertTrue(e.getMessage().startsWith("clusters[c].typed_extension_protocol_options["
                + "envoy.extensions.upstreams.http.v3.HttpProtocolOptions].auto_config"), e.getMessage());
    }

    @Test
    void wrongTypeIsNackedWithTheField() {
        Cluster c = Cluster.newBuilder().setName("c").putTypedExtensionProtocolOptions(
                ClusterTranslator.HTTP_PROTOCOL_OPTIONS, Any.pack(Http1ProtocolOptions.getDefaultInstance())).build();
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ClusterTranslator.protocol(c, "clusters[c]"));
        assertTrue(e.getMessage().contains("(expected: envoy.extensions.upstreams.http.v3.HttpProtocolOptions)"), e.getMessage());
    }
}
