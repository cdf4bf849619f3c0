package io.qmesh.pilot.adapter.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.qmesh.pilot.model.Hostnames;
import io.qmesh.pilot.model.Protocol;
import io.qmesh.pilot.model.Service;
import io.qmesh.pilot.model.ServicePort;
import io.qmesh.pilot.model.ServiceRegistry;
import io.qmesh.pilot.model.Workload;
import io.qmesh.pilot.model.WorkloadPort;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the optional static registry, for services outside the mesh:
 * <pre>
 * services:
 *   - name: httpbin
 *     namespace: default          # optional, default "default"
 *     ports: [{name: http, port: 8000}]
 *     endpoints:
 *       - address: 127.0.0.1
 *         labels: {version: v1}
 *         ports: {http: 18000}    # optional target port per port name
 * </pre>
 * A malformed file is a startup error naming the field, never an empty registry.
 */
public final class StaticRegistryFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private StaticRegistryFile() {
    }

    public static ServiceRegistry read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalStateException("static registry " + file + " is unreadable: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("static registry " + file + ": " + e.getMessage(), e);
        }
    }

    public static ServiceRegistry parse(String yaml) {
        FileModel model;
        try {
            model = YAML.readValue(yaml, FileModel.class);
        } catch (MismatchedInputException e) {
            throw new IllegalArgumentException(path(e) + ": " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage(), e);
        }
        List<Service> services = new ArrayList<>();
        List<Workload> workloads = new ArrayList<>();
        if (model == null || model.services() == null) {
            return ServiceRegistry.EMPTY;
        }
        for (int i = 0; i < model.services().size(); i++) {
            FileService s = model.services().get(i);
            String at = "services[" + i + "]";
            if (s.name() == null || s.name().isBlank()) {
                throw new IllegalArgumentException(at + ".name: missing (expected: a DNS label)");
            }
            String ns = s.namespace() == null ? "default" : s.namespace();
            List<ServicePort> ports = new ArrayList<>();
            List<WorkloadPort> portList = s.ports() == null ? List.of() : s.ports();
            for (int p = 0; p < portList.size(); p++) {
                WorkloadPort port = portList.get(p);
                if (port.port() < 1 || port.port() > 65535) {
                    throw new IllegalArgumentException(at + ".ports[" + p + "].port: " + port.port()
                            + " (expected: 1..65535)");
                }
                ports.add(new ServicePort(port.name(), port.port(), Protocol.select(port.name(), null)));
            }
            services.add(new Service(s.name(), ns, Hostnames.fqdn(s.name(), ns), ports, s.address()));
            List<FileEndpoint> eps = s.endpoints() == null ? List.of() : s.endpoints();
            for (int e = 0; e < eps.size(); e++) {
                FileEndpoint ep = eps.get(e);
                if (ep.address() == null || ep.address().isBlank()) {
                    throw new IllegalArgumentException(at + ".endpoints[" + e + "].address: missing (expected: an IP address)");
                }
                List<WorkloadPort> wports = new ArrayList<>();
                for (ServicePort sp : ports) {
                    int target = ep.ports() != null && ep.ports().containsKey(sp.name()) ? ep.ports().get(sp.name()) : sp.port();
                    wports.add(new WorkloadPort(sp.name(), target, sp.protocol()));
                }
                workloads.add(new Workload(s.name() + "-static-" + e, ns, s.name(), ep.address(), wports,
                        ep.labels() == null ? Map.of() : ep.labels(), "", ep.healthy() == null || ep.healthy(),
                        LocalAdapter.NAME));
            }
        }
        return new ServiceRegistry(services, workloads);
    }

    private static String path(MismatchedInputException e) {
        StringBuilder sb = new StringBuilder();
        e.getPath().forEach(ref -> {
            if (ref.getFieldName() != null) {
                sb.append(sb.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        });
        return sb.toString();
    }

    record FileModel(List<FileService> services) {
    }

    record FileService(String name, String namespace, String address, List<WorkloadPort> ports,
                       List<FileEndpoint> endpoints) {
    }

    record FileEndpoint(String address, Map<String, String> labels, Map<String, Integer> ports, Boolean healthy) {
    }
}
