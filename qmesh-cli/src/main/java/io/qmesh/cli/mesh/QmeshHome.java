package io.qmesh.cli.mesh;

import io.qmesh.cli.CliException;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The qmesh source tree, where the packaged applications are ({@code <module>/target/quarkus-app}):
 * {@code QMESH_HOME} (set by the {@code ./qmesh} launcher) or system property {@code qmesh.home}, else the
 * tree this CLI was built in ({@code qmesh-cli/target/quarkus-app/app/<jar>} -> four levels up).
 */
public final class QmeshHome {
    private QmeshHome() {
    }

    public static Path resolve() {
        String configured = System.getProperty("qmesh.home", System.getenv("QMESH_HOME"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        try {
            Path jar = Path.of(QmeshHome.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = jar; p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("qmesh-cli/pom.xml"))) {
                    return p;
                }
            }
        } catch (URISyntaxException | SecurityException e) {
            // fall through to the working directory
        }
        return Path.of("").toAbsolutePath();
    }

    /** The default run directory: {@code QMESH_RUN_DIR}, else {@code <home>/.qmesh/run}. */
    public static Path defaultRunDir() {
        String configured = System.getenv("QMESH_RUN_DIR");
        return configured != null && !configured.isBlank() ? Path.of(configured).toAbsolutePath()
                : resolve().resolve(".qmesh").resolve("run");
    }

    /** A packaged Quarkus application of the tree, or a clear error saying how to build it. */
    public static Path app(Path home, String module) {
        Path jar = home.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new CliException(jar + " is missing (build it: ./mvnw -B package -DskipTests -pl " + module + " -am)");
        }
        return jar;
    }

    /**
     * The application snapshotted into {@code <runDir>/apps/<module>} as hard links (a copy across file
     * systems), so that rebuilding the tree while the mesh runs, which replaces {@code target/quarkus-app},
     * cannot pull files from under a starting JVM. Returns the snapshot's {@code quarkus-run.jar}.
     */
    public static Path snapshot(Path home, String module, Path runDir) {
        Path source = app(home, module).getParent();
        Path target = runDir.resolve("apps").resolve(module.replace('/', '-'));
        try {
            deleteTree(target);
            try (Stream<Path> files = Files.walk(source)) {
                for (Path p : files.toList()) {
                    Path t = target.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(t);
                    } else {
                        try {
                            Files.createLink(t, p);
                        } catch (IOException | UnsupportedOperationException e) {
                            Files.copy(p, t);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new CliException("cannot snapshot " + source + " into " + target + ": " + e.getMessage());
        }
        return target.resolve("quarkus-run.jar");
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
