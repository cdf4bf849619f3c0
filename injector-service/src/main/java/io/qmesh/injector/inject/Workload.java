package io.qmesh.injector.inject;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The workload a pod belongs to, as Istio reports it in {@code ISTIO_META_WORKLOAD_NAME} and
 * {@code ISTIO_META_OWNER}: a ReplicaSet created by a Deployment is reported as the Deployment,
 * a Job created by a CronJob as the CronJob, a bare pod as itself.
 */
public record Workload(String apiVersion, String kind, String name) {

    /** CronJob controllers name their Jobs {@code <cronjob>-<scheduled minute>}. */
    private static final Pattern CRONJOB_JOB = Pattern.compile("^(.+)-[0-9]+$");

    public static Workload of(Pod pod) {
        ObjectMeta meta = pod.getMetadata() == null ? new ObjectMeta() : pod.getMetadata();
        OwnerReference owner = meta.getOwnerReferences() == null ? null : meta.getOwnerReferences().stream()
                .filter(o -> Boolean.TRUE.equals(o.getController()))
                .findFirst()
                .orElse(meta.getOwnerReferences().isEmpty() ? null : meta.getOwnerReferences().get(0));
        if (owner == null) {
            return new Workload("v1", "Pod", podName(meta));
        }
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        String hash = labels.get("pod-template-hash");
        if ("ReplicaSet".equals(owner.getKind()) && hash != null && owner.getName().endsWith("-" + hash)) {
            String deployment = owner.getName().substring(0, owner.getName().length() - hash.length() - 1);
            return new Workload("apps/v1", "Deployment", deployment);
        }
        if ("Job".equals(owner.getKind())) {
            var matcher = CRONJOB_JOB.matcher(owner.getName());
            if (matcher.matches()) {
                return new Workload("batch/v1", "CronJob", matcher.group(1));
            }
        }
        return new Workload(owner.getApiVersion(), owner.getKind(), owner.getName());
    }

    /** The pod's name, or its generateName prefix without the trailing dash, or "unknown". */
    public static String podName(ObjectMeta meta) {
        if (meta.getName() != null && !meta.getName().isEmpty()) {
            return meta.getName();
        }
        String generate = meta.getGenerateName();
        if (generate != null && !generate.isEmpty()) {
            return generate.endsWith("-") ? generate.substring(0, generate.length() - 1) : generate;
        }
        return "unknown";
    }

    /** Istio's owner URI, e.g. {@code kubernetes://apis/apps/v1/namespaces/default/deployments/reviews-v1}. */
    public String ownerUri(String namespace) {
        return "kubernetes://apis/" + apiVersion + "/namespaces/" + namespace + "/"
                + kind.toLowerCase(Locale.ROOT) + "s/" + name;
    }
}
