package io.qmesh.cli.commands;

import io.qmesh.cli.mesh.Probe;
import io.qmesh.cli.mesh.RunState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.net.URI;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "status", description = "Each process of the running qmesh up: pid, address, running or exited, ready. "
        + "Exit code 0 when all are ready, 1 otherwise.")
public class StatusCommand implements Callable<Integer> {
    @Mixin
    MeshOptions mesh;

    @Override
    public Integer call() {
        Optional<RunState> state = mesh.state();
        if (state.isEmpty()) {
            System.out.println("qmesh is not running (start it with: qmesh up)");
            return 1;
        }
        RunState s = state.get();
        boolean up = s.supervisor().isPresent();
        System.out.println("qmesh up: " + (up ? "running, pid " + s.supervisorPid() : "NOT RUNNING (stale state; run qmesh down)"));
        System.out.println("productpage: " + s.productpageUrl() + "    logs: " + s.logsDir());
        Table t = new Table("NAME", "ROLE", "PID", "ADDRESS", "PROCESS", "READY");
        boolean allReady = up;
        for (RunState.Entry e : s.processes()) {
            boolean alive = e.handle().isPresent();
            boolean ready = alive && Probe.ready(URI.create(e.readyUrl()));
            allReady &= ready;
            t.row(e.name(), e.role(), e.pid(), e.address(), alive ? "running" : "exited", ready ? "yes" : "NO");
        }
        t.print(System.out);
        return allReady ? 0 : 1;
    }
}
