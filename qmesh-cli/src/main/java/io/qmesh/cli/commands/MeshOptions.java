package io.qmesh.cli.commands;

import io.qmesh.cli.client.PilotClient;
import io.qmesh.cli.mesh.QmeshHome;
import io.qmesh.cli.mesh.RunState;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/** Where the running mesh is: its run directory (state file, logs) and pilot's HTTP address. */
public class MeshOptions {
    @Option(names = "--run-dir", paramLabel = "DIR",
            description = "State and logs of qmesh up (default: $QMESH_RUN_DIR, else <qmesh home>/.qmesh/run)")
    Path runDir;

    @Option(names = "--pilot", paramLabel = "HOST:PORT",
            description = "Pilot's HTTP address (default: $QMESH_PILOT, else the running qmesh up's, else 127.0.0.1:15014)")
    String pilot;

    public Path runDir() {
        return runDir != null ? runDir.toAbsolutePath() : QmeshHome.defaultRunDir();
    }

    public Optional<RunState> state() {
        return RunState.read(runDir());
    }

    public PilotClient pilot() {
        if (pilot != null) {
            return new PilotClient(pilot);
        }
        String env = System.getenv("QMESH_PILOT");
        if (env != null && !env.isBlank()) {
            return new PilotClient(env);
        }
        return new PilotClient(state().map(RunState::pilotHttp).orElse("127.0.0.1:15014"));
    }
}
