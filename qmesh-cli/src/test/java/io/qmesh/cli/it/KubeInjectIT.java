package io.qmesh.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code qmesh kube-inject} through the packaged CLI and the packaged injector, as a user runs it. */
class KubeInjectIT {
    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: reviews-v1
              namespace: default
            spec:
              selector:
                matchLabels: {app: reviews, version: v1}
              template:
                metadata:
                  labels: {app: reviews, version: v1}
                spec:
                  containers:
                  - name: reviews
                    image: example/reviews:1
                    ports:
                    - containerPort: 9080
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: reviews
            spec:
              ports:
              - port: 9080
                name: http
            """;

    @TempDir
    Path dir;

    @Test
    void injectsTheDeploymentsPodTemplateAndLeavesOtherKindsAlone() throws Exception {
        Path manifest = dir.resolve("reviews.yaml");
        Files.writeString(manifest, DEPLOYMENT);

        Qmesh.Result result = new Qmesh(dir.resolve("run")).run("kube-inject", "-f", manifest.toString(),
                "--proxy-image", "example/qmesh-proxy:test");

        assertEquals(0, result.exit(), result.toString());
        assertTrue(result.out().contains("name: istio-proxy"), result.toString());
        assertTrue(result.out().contains("name: istio-init"), result.toString());
        assertTrue(result.out().contains("image: example/qmesh-proxy:test"), result.toString());
        assertTrue(result.out().contains("sidecar.istio.io/status"), result.toString());
        assertTrue(result.out().contains("kind: Service"), "the Service is kept: " + result);
    }

    @Test
    void aMissingFileIsOneLineAndANonZeroExit() throws Exception {
        Qmesh.Result result = new Qmesh(dir.resolve("run")).run("kube-inject", "-f", dir.resolve("nope.yaml").toString());

        assertEquals(1, result.exit(), result.toString());
        assertTrue(result.err().startsWith("kube-inject: cannot read "), result.toString());
        assertTrue(result.err().strip().endsWith("nope.yaml: no such file"), result.toString());
        assertEquals(1, result.err().strip().lines().count(), result.toString());
        assertFalse(result.err().contains("Exception"), result.toString());
    }
}
