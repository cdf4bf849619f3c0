/**
 * Translation from the model to Envoy's xDS v3 resources: one pure translator per type
 * ({@code (MeshSnapshot, ProxyNode) -> List<Message>}), a generator that runs them and checks the result
 * is consistent, and the debounced push scheduler. Protobuf enters the code base here and only here
 * (and in {@code server}, which streams these messages).
 */
package io.qmesh.pilot.xds;
