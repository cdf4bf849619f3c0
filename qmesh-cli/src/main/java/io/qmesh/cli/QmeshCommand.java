package io.qmesh.cli;

import io.qmesh.cli.commands.ApplyCommand;
import io.qmesh.cli.commands.DeleteCommand;
import io.qmesh.cli.commands.DownCommand;
import io.qmesh.cli.commands.GetCommand;
import io.qmesh.cli.commands.KubeInjectCommand;
import io.qmesh.cli.commands.ProxyConfigCommand;
import io.qmesh.cli.commands.ProxyStatusCommand;
import io.qmesh.cli.commands.StatusCommand;
import io.qmesh.cli.commands.UpCommand;
import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

@TopCommand
@Command(name = "qmesh", mixinStandardHelpOptions = true, version = "qmesh 0.1.0",
        description = "An Istio-compatible service mesh on one machine: run it with bookinfo, apply Istio rules, inspect proxies.",
        subcommands = {UpCommand.class, DownCommand.class, StatusCommand.class, ApplyCommand.class, DeleteCommand.class,
                GetCommand.class, ProxyStatusCommand.class, ProxyConfigCommand.class, KubeInjectCommand.class})
public class QmeshCommand {
}
