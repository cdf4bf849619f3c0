package io.qmesh.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;

/**
 * Runs the pod template of a Deployment under podman, as far as a kubelet's part can be played on
 * one machine: an infra container holds the pod's network namespace (Kubernetes' pause container)
 * and publishes its ports; init containers run to completion in order, except native sidecars
 * ({@code restartPolicy: Always}), which keep running and must pass their startup probe before the
 * next one starts; then the containers. Per container: image, command and args ({@code $(VAR)}
 * expanded), env (literal values and the downward API fields the manifests use), user and group,
 * read-only root file system, capabilities, no privilege escalation. Volumes: emptyDir as host
 * directories shared by the pod's containers, ConfigMaps from the given ones, downwardAPI labels
 * and annotations, optional Secrets as the empty directory Kubernetes mounts when they are absent.
 * Resource limits are not applied (this machine's cgroups do not allow it).
 */
final class PodmanPod {

    static final List<String> PODMAN = List.of("podman", "--runtime", "runc");
    static final List<String> LIMITS = List.of("--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768");
    /** Kubernetes' pause container, played by the JRE base image's sleep. */
    static final String PAUSE_IMAGE = "localhost/qmesh/base-jre:bookworm";
    private static final Pattern VARIABLE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    final String name;
    final Deployment deployment;
    final Path volumes;
    private final Map<String, String> overrides;
    private final List<ConfigMap> configMaps;
    /** Containers started so far (the infra container first), for {@link #remove}. */
    private final List<String> started = new ArrayList<>();
    /** The infra container whose network namespace the pod's containers use. */
    private String networkOwner;

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
     * Starts the pod in its own network namespace on podman network {@code network} (null: the
     * default), reachable there by {@code aliases}, publishing this pod's ports and {@code extraPorts}
     * on OS-chosen loopback ports; then its containers.
     */
    void start(String network, List<String> aliases, List<Integer> extraPorts) throws Exception {
        List<String> cmd = new ArrayList<>(PODMAN);
        cmd.addAll(List.of("run", "-d", "--name", infra(), "--user", "65535:65535", "--read-only"));
        cmd.addAll(LIMITS);
        if (network != null) {
            cmd.addAll(List.of("--network", network));
        }
        aliases.forEach(a -> cmd.addAll(List.of("--network-alias", a)));
        Set<Integer> ports = new TreeSet<>(ports());
        ports.addAll(extraPorts);
        ports.forEach(p -> cmd.addAll(List.of("-p", "127.0.0.1::" + p)));
        cmd.addAll(List.of("--entrypoint", "sleep", PAUSE_IMAGE, "infinity"));
        started.add(infra());
        ContainerImagesIT.check(ContainerImagesIT.run(cmd, Duration.ofMinutes(1)));
        startContainers(infra());
    }

    /** Starts the pod's containers in {@code host}'s network namespace (as if they were one pod). */
    void startIn(PodmanPod host) throws Exception {
        startContainers(host.infra());
    }

    private void startContainers(String infra) throws Exception {
        networkOwner = infra;
        prepareVolumes();
        for (Container init : spec().getInitContainers()) {
            boolean sidecar = "Always".equals(init.getRestartPolicy());
            started.add(containerName(init.getName()));
            ContainerImagesIT.check(ContainerImagesIT.run(command(init, sidecar ? "-d" : "--rm", infra), Duration.ofMinutes(2)));
            if (sidecar && init.getStartupProbe() != null) {
                awaitProbe(init, init.getStartupProbe(), null);
            }
        }
        for (Container container : spec().getContainers()) {
            started.add(containerName(container.getName()));
            ContainerImagesIT.check(ContainerImagesIT.run(command(container, "-d", infra), Duration.ofMinutes(2)));
        }
    }

    /** Every container port and probe port of the pod. */
    List<Integer> ports() {
        List<Integer> out = new ArrayList<>();
        List<Container> all = new ArrayList<>(spec().getInitContainers());
        all.addAll(spec().getContainers());
        for (Container c : all) {
            c.getPorts().forEach(p -> out.add(p.getContainerPort()));
            for (Probe probe : probes(c)) {
                if (probe.getHttpGet() != null) {
                    out.add(port(c, probe.getHttpGet()));
                }
            }
        }
        return out;
    }

    /** Waits until every readiness and liveness probe of the pod's containers answers 200. */
    void awaitProbes(SSLContext tls) throws Exception {
        for (Container container : spec().getContainers()) {
            for (Probe probe : probes(container)) {
                awaitProbe(container, probe, tls);
            }
        }
    }

    private static List<Probe> probes(Container c) {
        return java.util.stream.Stream.of(c.getStartupProbe(), c.getReadinessProbe(), c.getLivenessProbe())
                .filter(java.util.Objects::nonNull).toList();
    }

    private void awaitProbe(Container container, Probe probe, SSLContext tls) throws Exception {
        if (probe.getHttpGet() == null) {
            return;
        }
        HTTPGetAction get = probe.getHttpGet();
        String scheme = get.getScheme() == null ? "http" : get.getScheme().toLowerCase(java.util.Locale.ROOT);
        ContainerImagesIT.awaitOk(ContainerImagesIT.client(tls),
                URI.create(scheme + "://" + published(port(container, get)) + get.getPath()));
    }

    private static int port(Container container, HTTPGetAction get) {
        return get.getPort().getIntVal() != null ? get.getPort().getIntVal()
                : container.getPorts().stream().filter(p -> get.getPort().getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort).findFirst().orElseThrow();
    }

    /** host:port where the pod's {@code port} is published (by the infra container whose namespace it uses). */
    String published(int port) throws Exception {
        ContainerImagesIT.Result result = ContainerImagesIT.check(
                ContainerImagesIT.run(List.of("podman", "port", networkOwner, port + "/tcp"), Duration.ofSeconds(30)));
        return result.output().strip().lines().findFirst().orElseThrow().replace("0.0.0.0", "127.0.0.1");
    }

    /** Writes each started container's log to {@code logs} and removes the containers. */
    void remove(Path logs) throws Exception {
        // Last started first: the infra container goes after the containers in its network namespace.
        for (int i = started.size() - 1; i >= 0; i--) {
            String container = started.get(i);
            Files.writeString(logs.resolve(container + ".log"),
                    ContainerImagesIT.run(List.of("podman", "logs", container), Duration.ofSeconds(30)).output());
            ContainerImagesIT.run(List.of("podman", "rm", "--force", "--time", "2", container), Duration.ofSeconds(60));
        }
    }

    private String infra() {
        return name + "-infra";
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
            if (volume.getDownwardAPI() != null) {
                for (DownwardAPIVolumeFile file : volume.getDownwardAPI().getItems()) {
                    Map<String, String> values = switch (file.getFieldRef().getFieldPath()) {
                        case "metadata.labels" -> deployment.getSpec().getTemplate().getMetadata().getLabels();
                        case "metadata.annotations" -> deployment.getSpec().getTemplate().getMetadata().getAnnotations();
                        default -> throw new AssertionError("downwardAPI " + file.getFieldRef().getFieldPath());
                    };
                    // The kubelet's format: key="value" lines, sorted.
                    Files.writeString(dir.resolve(file.getPath()), new TreeMap<>(values == null ? Map.of() : values).entrySet()
                            .stream().map(e -> e.getKey() + "=\"" + e.getValue() + "\"\n").collect(Collectors.joining()));
                }
            }
        }
    }

    private List<String> command(Container container, String mode, String infra) {
        Map<String, String> env = environment(container);
        List<String> cmd = new ArrayList<>(PODMAN);
        cmd.addAll(List.of("run", mode, "--name", containerName(container.getName())));
        cmd.addAll(LIMITS);
        cmd.addAll(List.of("--network", "container:" + infra));
        SecurityContext security = container.getSecurityContext() != null ? container.getSecurityContext() : new SecurityContext();
        PodSecurityContext podSecurity = spec().getSecurityContext() != null ? spec().getSecurityContext() : new PodSecurityContext();
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
            if (security.getCapabilities().getDrop() != null) {
                security.getCapabilities().getDrop().forEach(c -> cmd.addAll(List.of("--cap-drop", c)));
            }
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
