package io.qmesh.proxy.cluster;

import io.netty.channel.ChannelHandler;
import java.util.function.Supplier;

/**
 * The handlers of upstream channels, fresh per channel. The HTTP layer supplies them so that this
 * package knows connections and streams, not HTTP semantics.
 *
 * @param http1           an HTTP/1.1 connection: codec + response handler
 * @param http2Connection an HTTP/2 connection: frame codec + stream multiplexer
 * @param http2Stream     one HTTP/2 stream (a child channel): frame/object codec + response handler
 */
public record UpstreamPipelines(
        Supplier<ChannelHandler[]> http1,
        Supplier<ChannelHandler[]> http2Connection,
        Supplier<ChannelHandler[]> http2Stream) {
}
