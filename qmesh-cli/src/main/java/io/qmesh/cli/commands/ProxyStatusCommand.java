package io.qmesh.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import io.qmesh.cli.mesh.RunState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "proxy-status", description = "Each proxy and whether it is synced with pilot, per xDS type (like istioctl). "
        + "Exit code 0 when every proxy qmesh up started is connected and synced, 1 otherwise.")
public class ProxyStatusCommand implements Callable<Integer> {
    static final String[] TYPES = {"CDS", "LDS", "EDS", "RDS"};

    @Mixin
    MeshOptions mesh;

    @Override
    public Integer call() {
        JsonNode syncz = mesh.pilot().syncz();
        Table t = new Table("NAME", "CDS", "LDS", "EDS", "RDS", "VERSION");
        Set<String> connected = new HashSet<>();
        boolean allSynced = true;
        for (JsonNode p : syncz) {
            String name = proxyName(p.path("proxy").asText());
            connected.add(name);
            Object[] row = new Object[6];
            row[0] = name;
            String version = "";
            for (int i = 0; i < TYPES.length; i++) {
                JsonNode type = p.path("types").path(TYPES[i]);
                row[i + 1] = syncState(type);
                allSynced &= row[i + 1].equals("SYNCED");
                if (!type.path("ackedVersion").asText("").isEmpty()) {
                    version = type.path("ackedVersion").asText();
                }
            }
            row[5] = version;
            t.row(row);
        }
        Optional<RunState> state = mesh.state();
        if (state.isPresent()) {
            for (RunState.Entry e : state.get().processes()) {
                if (e.proxyId() != null && !e.proxyId().isEmpty() && !connected.contains(e.proxyId())) {
                    allSynced = false;
                    String why = e.handle().isPresent() ? "NOT CONNECTED" : "NOT CONNECTED (process exited)";
                    t.row(e.proxyId(), why, "", "", "", "");
                }
            }
        }
        t.print(System.out);
        return allSynced ? 0 : 1;
    }

    /** {@code sidecar~10.0.0.1~reviews-v1.default~default.svc.cluster.local} -> {@code reviews-v1.default}. */
    static String proxyName(String nodeId) {
        String[] parts = nodeId.split("~");
        return parts.length == 4 ? parts[2] : nodeId;
    }

    /** istioctl's words: SYNCED (ACKed what was sent), NOT SENT, STALE (sent, not ACKed yet), NACK (rejected). */
    static String syncState(JsonNode type) {
        String sent = type.path("sentVersion").asText("");
        if (type.isMissingNode() || sent.isEmpty()) {
            return "NOT SENT";
        }
        if (sent.equals(type.path("nackedVersion").asText(""))) {
            return "NACK";
        }
        return sent.equals(type.path("ackedVersion").asText("")) ? "SYNCED" : "STALE";
    }
}
