package io.qmesh.proxy.xds;

import io.qmesh.proxy.config.InvalidConfigException;
import io.qmesh.proxy.config.ProxyConfig;

/** What happens around publishing a new config: bind new listeners first (may fail -> NACK), retire old ones after. */
public interface ConfigSink {

    void prepare(ProxyConfig next) throws InvalidConfigException;

    void published(ProxyConfig current);
}
