/**
 * The one-machine mesh that {@code qmesh up} runs: {@link io.qmesh.cli.mesh.MeshPlan} (which processes, on
 * which loopback addresses and ports, with which environment), {@link io.qmesh.cli.mesh.Supervisor}
 * (start, readiness, stop; no orphans) and {@link io.qmesh.cli.mesh.RunState} (the state file other
 * commands read). No Picocli here.
 */
package io.qmesh.cli.mesh;
