package io.qmesh.proxy.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.Set;

final class XdsNames {

    private XdsNames() {
    }

    static void rdsNames(FilterChain fc, Set<String> out) {
        for (var f : fc.getFiltersList()) {
            if (f.getTypedConfig().is(HttpConnectionManager.class)) {
                try {
                    HttpConnectionManager hcm = f.getTypedConfig().unpack(HttpConnectionManager.class);
                    if (hcm.hasRds()) {
                        out.add(hcm.getRds().getRouteConfigName());
                    }
                } catch (InvalidProtocolBufferException ignored) {
                    // The translator reports it with the field name.
                }
            }
        }
    }
}
