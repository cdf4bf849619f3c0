/**
 * Manual injection of manifests ({@code kube-inject}): the same {@link io.qmesh.injector.inject.Injector}
 * applied offline to Pods and workload pod templates in multi-document YAML, as an HTTP endpoint
 * ({@link io.qmesh.injector.kubeinject.KubeInjectResource}) and a command
 * ({@link io.qmesh.injector.kubeinject.KubeInjectMain}).
 */
package io.qmesh.injector.kubeinject;
