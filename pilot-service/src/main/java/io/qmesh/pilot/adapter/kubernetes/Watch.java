package io.qmesh.pilot.adapter.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One watched resource type: a Fabric8 informer (list, then watch; on a dropped watch it re-watches
 * from the last resource version, on {@code 410 Gone} it relists and reports the differences) whose
 * cache survives every reconnect, so the model is never emptied by a network problem. Every error is
 * retried; a resync that brings an unchanged object (same resourceVersion) is not reported. A resource
 * the API server does not know (404: a CRD not installed) or will not list to pilot (403: RBAC from an
 * older install) counts as synced and empty with a warning, and keeps being retried, so installing the
 * CRD or the permission later starts the watch; one missing kind never keeps pilot unready.
 */
final class Watch<T extends HasMetadata> implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Watch.class);

    /** Told about each real change: {@code deleted} false for an add or an update. */
    interface Listener<T> {
        void changed(T object, boolean deleted);
    }

    private final String what;
    private final SharedIndexInformer<T> informer;
    private volatile boolean absent;

    Watch(String what, Informable<T> source, Duration resync, Listener<T> listener) {
        this.what = what;
        this.informer = source.runnableInformer(resync.toMillis());
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                listener.changed(obj, false);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                if (!Objects.equals(oldObj.getMetadata().getResourceVersion(), newObj.getMetadata().getResourceVersion())) {
                    listener.changed(newObj, false);
                }
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                listener.changed(obj, true);
            }
        });
        informer.exceptionHandler((started, t) -> {
            int code = statusCode(t);
            if (code == 404 || code == 403) {
                if (!absent) {
                    LOG.warnf(code == 404
                            ? "%s: not served by the API server (CRD not installed?); treated as empty until it is"
                            : "%s: forbidden (pilot's ClusterRole lacks list/watch on it); treated as empty until allowed", what);
                }
                absent = true;
            } else {
                LOG.warnf("%s: watch error, retrying: %s", what, t.getMessage());
            }
            return true;
        });
    }

    /** The HTTP status of the API server's answer behind {@code t} (wrapped in CompletionExceptions), or -1. */
    private static int statusCode(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof KubernetesClientException e) {
                return e.getCode();
            }
        }
        return -1;
    }

    /** Starts listing and watching in the background; never blocks. */
    Watch<T> start() {
        informer.start().whenComplete((ok, error) -> {
            if (error == null) {
                absent = false;
                LOG.debugf("%s: synced", what);
            }
        });
        return this;
    }

    /** True once the first list has arrived (or the resource does not exist). */
    boolean synced() {
        return informer.hasSynced() || absent;
    }

    /** The cached objects, as of now. */
    List<T> list() {
        return informer.getStore().list();
    }

    @Override
    public void close() {
        informer.stop();
    }
}
