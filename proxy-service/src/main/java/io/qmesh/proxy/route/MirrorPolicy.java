package io.qmesh.proxy.route;

/** One request_mirror_policies entry: shadow {@code perMillion} of requests to {@code cluster}. */
public record MirrorPolicy(String cluster, int perMillion) {
}
