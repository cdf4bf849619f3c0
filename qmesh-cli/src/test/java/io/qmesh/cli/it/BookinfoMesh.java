package io.qmesh.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real {@code qmesh up} for an end-to-end test: fourteen processes on a random loopback /24 of 127/8, so the
 * fixed ports (8080, 9080, 15000, 15001, 15010, 15014) cannot meet another build's.
 */
final class BookinfoMesh {
    final Path work;
    final Path runDir;
    final Path upLog;
    final Qmesh qmesh;
    final Process up;
    final String subnet;
    final String gateway;

    private BookinfoMesh(Path work, Process up, Qmesh qmesh, String subnet) {
        this.work = work;
        this.runDir = work.resolve("run");
        this.upLog = work.resolve("up.log");
        this.qmesh = qmesh;
        this.up = up;
        this.subnet = subnet;
        this.gateway = "http://" + subnet + ".1:8080";
    }

    /** Starts {@code qmesh up --reset} with extra arguments under {@code target/<name>} and waits until it is up. */
    static BookinfoMesh start(String name, String... upArgs) throws Exception {
        Path work = Files.createDirectories(Path.of("target", name).toAbsolutePath());
        Qmesh qmesh = new Qmesh(work.resolve("run"));
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String subnet = "127." + r.nextInt(100, 250) + "." + r.nextInt(1, 250);
        List<String> args = new ArrayList<>(List.of("up", "--subnet", subnet, "--reset"));
        args.addAll(List.of(upArgs));
        Path upLog = work.resolve("up.log");
        BookinfoMesh mesh = new BookinfoMesh(work, qmesh.start(upLog, args.toArray(String[]::new)), qmesh, subnet);
        long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
        while (!Files.readString(upLog).contains("qmesh is up")) {
            if (!mesh.up.isAlive()) {
                fail("qmesh up exited with " + mesh.up.exitValue() + ":\n" + Files.readString(upLog));
            }
            if (System.nanoTime() > deadline) {
                mesh.stop();
                fail("qmesh up not up in 300 s:\n" + Files.readString(upLog));
            }
            Thread.sleep(250);
        }
        return mesh;
    }

    /** Admin URL of the proxy at {@code <subnet>.<host>} (1 = the gateway, 11-16 = the sidecars). */
    String admin(String host) {
        return "http://" + subnet + "." + host + ":15000";
    }

    void apply(Path... files) throws Exception {
        edit("apply", files);
    }

    void delete(Path... files) throws Exception {
        edit("delete", files);
    }

    private void edit(String verb, Path... files) throws Exception {
        List<String> args = new ArrayList<>(List.of(verb));
        for (Path f : files) {
            args.add("-f");
            args.add(f.toString());
        }
        Qmesh.Result r = qmesh.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
    }

    void stop() throws Exception {
        if (up.isAlive()) {
            qmesh.run("down");
            up.destroyForcibly();
        }
    }
}
