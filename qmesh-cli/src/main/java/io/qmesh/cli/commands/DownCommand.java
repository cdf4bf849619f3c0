package io.qmesh.cli.commands;

import io.qmesh.cli.mesh.RunState;
import io.qmesh.cli.mesh.Teardown;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

@Command(name = "down", description = "Stop the running qmesh up and every process it started.")
public class DownCommand implements Callable<Integer> {
    @Mixin
    MeshOptions mesh;

    @Override
    public Integer call() throws Exception {
        Optional<RunState> state = mesh.state();
        if (state.isEmpty()) {
            System.out.println("qmesh is not running");
            return 0;
        }
        RunState s = state.get();
        long alive = s.processes().stream().filter(e -> e.handle().isPresent()).count();
        Optional<ProcessHandle> supervisor = s.supervisor();
        if (supervisor.isPresent()) {
            // qmesh up's shutdown hook stops its children (SIGTERM, then SIGKILL after 10 s) and removes the state file.
            supervisor.get().destroy();
            try {
                supervisor.get().onExit().get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                supervisor.get().destroyForcibly();
            }
        }
        int leftovers = Teardown.stopRecorded(s, 5000);
        RunState.delete(mesh.runDir());
        System.out.println("qmesh stopped (" + alive + " processes" + (leftovers > 0 ? ", " + leftovers + " stopped directly" : "") + ")");
        return 0;
    }
}
