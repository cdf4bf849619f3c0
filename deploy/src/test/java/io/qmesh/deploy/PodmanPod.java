package io.qmesh.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the pod template of a Deployment from deploy/ under podman, as far as a kubelet's part can
 * be played on one machine: init containers to completion, then the containers; image, command and
 * args ({@code $(VAR)} expanded), env (literal values and the downward API fields the manifests
 * use), user and group, read-only root file system, dropped capabilities, no privilege escalation;
 * emptyDir volumes as host directories shared by the pod's containers, ConfigMap volumes from the
 * ConfigMaps in deploy/, optional Secrets as the empty directory Kubernetes mounts when they are
 * absent. Resource limits are not applied (this machine's cgroups do not allow it).
 */
final class PodmanPod {

    static final List<String> PODMAN = List.of("podman", "--runtime", "runc");
    static final List<String> LIMITS = List.of("--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    final String name;
    final Deployment deployment;
    final Path volumes;
    private final Map<String, String> overrides;
    private final List<ConfigMap> configMaps;

    PodmanPod(String name, Deployment deployment, Map<String, String> overrides, List<ConfigMap> configMaps, Path workDir) {
        this.name = name;
        this.deployment = deployment;
        this.overrides = overrides;
        this.configMaps = configMaps;
        this.volumes = workDir.resolve(name);
    }

    PodSpec spec() {
        return deployment.getSpec().getTemplate().getSpec();
    }

    /** The podman container name of one of this pod's containers. */
    String containerName(String container) {
        return name + "-" + container;
    }

    /**
     * Runs the init containers, then starts the containers. {@code network}: the podman network
     * argument of every container (e.g. {@code container:<name>} to share another pod's network
     * namespace); {@code publish}: podman -p arguments for the first container.
     */
    void start(String network, List<String> publish) throws Exception {
        prepareVolumes();
        for (Container init : spec().getInitContainers()) {
            ContainerImagesIT.check(ContainerImagesIT.run(command(init, "--rm", network, List.of()), java.time.Duration.ofMinutes(2)));
        }
        boolean first = true;
        for (Container container : spec().getContainers()) {
            ContainerImagesIT.check(ContainerImagesIT.run(command(container, "-d", network, first ? publish : List.of()),
                    java.time.Duration.ofMinutes(2)));
            first = false;
        }
    }

    private void prepareVolumes() throws IOException {
        for (Volume volume : spec().getVolumes()) {
            Path dir = volumes.resolve(volume.getName());
            Files.createDirectories(dir);
            // The pod's fsGroup makes emptyDirs writable for the pod's user; world-writable does it here.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            if (volume.getConfigMap() != null) {
                ConfigMap configMap = configMaps.stream()
                        .filter(c -> c.getMetadata().getName().equals(volume.getConfigMap().getName())).findFirst()
                        .orElseThrow(() -> new AssertionError("no ConfigMap " + volume.getConfigMap().getName() + " in deploy/"));
                for (Map.Entry<String, String> entry : configMap.getData().entrySet()) {
                    Files.writeString(dir.resolve(entry.getKey()), entry.getValue());
                }
            }
        }
    }

    private List<String> command(Container container, String mode, String network, List<String> publish) {
        Map<String, String> env = environment(container);
        List<String> cmd = new ArrayList<>(PODMAN);
        cmd.addAll(List.of("run", mode, "--name", containerName(container.getName())));
        cmd.addAll(LIMITS);
        if (network != null) {
            cmd.addAll(List.of("--network", network));
        }
        for (String port : publish) {
            cmd.addAll(List.of("-p", port));
        }
        SecurityContext security = container.getSecurityContext();
        PodSecurityContext podSecurity = spec().getSecurityContext();
        Long user = security.getRunAsUser() != null ? security.getRunAsUser() : podSecurity.getRunAsUser();
        Long group = security.getRunAsGroup() != null ? security.getRunAsGroup() : podSecurity.getRunAsGroup();
        if (user != null) {
            cmd.addAll(List.of("--user", user + (group != null ? ":" + group : "")));
        }
        if (Boolean.TRUE.equals(security.getReadOnlyRootFilesystem())) {
            cmd.add("--read-only");
        }
        if (Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())) {
            cmd.addAll(List.of("--security-opt", "no-new-privileges"));
        }
        if (security.getCapabilities() != null) {
            security.getCapabilities().getDrop().forEach(c -> cmd.addAll(List.of("--cap-drop", c)));
            if (security.getCapabilities().getAdd() != null) {
                security.getCapabilities().getAdd().forEach(c -> cmd.addAll(List.of("--cap-add", c)));
            }
        }
        for (VolumeMount mount : container.getVolumeMounts()) {
            cmd.addAll(List.of("-v", volumes.resolve(mount.getName()) + ":" + mount.getMountPath()
                    + (Boolean.TRUE.equals(mount.getReadOnly()) ? ":ro" : ":rw")));
        }
        env.forEach((k, v) -> cmd.addAll(List.of("-e", k + "=" + v)));
        List<String> args = new ArrayList<>();
        if (!container.getCommand().isEmpty()) {
            cmd.addAll(List.of("--entrypoint", expand(container.getCommand().get(0), env)));
            container.getCommand().stream().skip(1).map(a -> expand(a, env)).forEach(args::add);
        }
        container.getArgs().stream().map(a -> expand(a, env)).forEach(args::add);
        cmd.add(container.getImage());
        cmd.addAll(args);
        return cmd;
    }

    private Map<String, String> environment(Container container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar var : container.getEnv()) {
            if (var.getValueFrom() == null) {
                env.put(var.getName(), expand(var.getValue(), env));
                continue;
            }
            String field = var.getValueFrom().getFieldRef().getFieldPath();
            env.put(var.getName(), switch (field) {
                case "metadata.name" -> name;
                case "metadata.namespace" -> deployment.getMetadata().getNamespace();
                case "status.podIP", "status.hostIP" -> "127.0.0.1";
                case "spec.serviceAccountName" -> spec().getServiceAccountName();
                default -> throw new AssertionError(container.getName() + ": env " + var.getName() + " from " + field);
            });
        }
        env.putAll(overrides);
        return env;
    }

    /** Kubernetes' $(VAR) expansion in command, args and env values; unknown references stay as written. */
    private static String expand(String text, Map<String, String> env) {
        Matcher matcher = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            matcher.appendReplacement(out, Matcher.quoteReplacement(env.getOrDefault(matcher.group(1), matcher.group())));
        }
        matcher.appendTail(out);
        return out.toString();
    }
}
