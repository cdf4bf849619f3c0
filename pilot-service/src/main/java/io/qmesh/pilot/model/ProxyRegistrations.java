package io.qmesh.pilot.model;

/**
 * Told when a proxy's xDS stream opens and closes. The local adapter registers a workload per proxy
 * from this (Istio's WorkloadEntry auto-registration); on Kubernetes, workloads come from Pods and
 * EndpointSlices instead and streams register nothing ({@link #NONE}).
 */
public interface ProxyRegistrations {
    ProxyRegistrations NONE = new ProxyRegistrations() {
        @Override
        public void connected(ProxyNode node) {
        }

        @Override
        public void disconnected(String proxyId) {
        }
    };

    void connected(ProxyNode node);

    void disconnected(String proxyId);
}
