/**
 * The service model: one immutable, versioned {@link io.qmesh.pilot.model.MeshSnapshot} of services,
 * workloads and rules, plus the {@link io.qmesh.pilot.model.PlatformAdapter} interface through which
 * platforms (local, later Kubernetes) feed it. No I/O and no protobuf here: every other package
 * depends on this one, and this one depends on none of them.
 */
package io.qmesh.pilot.model;
