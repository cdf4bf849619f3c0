package io.qmesh.pilot.model.istio;

/** A stored rule object: its kind, metadata and a kind-specific spec. */
public sealed interface IstioConfig permits VirtualService, DestinationRule, Gateway, Sidecar, FallbackPolicy {
    ConfigKind kind();

    ConfigMeta metadata();

    Object spec();

    IstioConfig withMetadata(ConfigMeta metadata);

    default ConfigKey key() {
        return new ConfigKey(kind(), metadata().namespace(), metadata().name());
    }
}
