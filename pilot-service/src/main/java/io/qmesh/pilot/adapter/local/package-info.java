/**
 * The local platform adapter, for runs without Kubernetes: workloads register themselves when their
 * proxy connects over xDS (Istio's WorkloadEntry auto-registration) and leave a grace period after it
 * disconnects; services outside the mesh come from an optional static YAML file.
 */
package io.qmesh.pilot.adapter.local;
