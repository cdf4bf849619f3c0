package io.qmesh.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The manifests as kubectl sees them: {@code kubectl apply -f DIR} reads the {@code .yaml},
 * {@code .yml} and {@code .json} files directly in DIR (no subdirectories), in lexical order, each a
 * stream of YAML documents, and applies the documents in that order.
 */
final class Manifests {

    /** The module's base directory: deploy/ (surefire runs in it). */
    static final Path DEPLOY = Path.of("").toAbsolutePath();
    static final Path BOOKINFO = DEPLOY.resolve("bookinfo");
    static final Path SAMPLES = DEPLOY.resolve("samples");
    static final Path REPOSITORY = DEPLOY.getParent();

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Manifests() {
    }

    /** One YAML document of a file, with where it came from for messages. */
    record Document(Path file, int index, ObjectNode tree) {
        String kind() {
            return tree.path("kind").asText();
        }

        String apiVersion() {
            return tree.path("apiVersion").asText();
        }

        String name() {
            return tree.path("metadata").path("name").asText();
        }

        String namespace() {
            return tree.path("metadata").path("namespace").asText(null);
        }

        @Override
        public String toString() {
            return (file.isAbsolute() ? REPOSITORY.relativize(file) : file) + "#" + index + " (" + kind() + " " + name() + ")";
        }
    }

    /** The files kubectl applies from {@code dir}, in the order it applies them. */
    static List<Path> files(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().matches(".*\\.(yaml|yml|json)$"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every non-empty document of every file of {@code dir}, in apply order. */
    static List<Document> documents(Path dir) {
        List<Document> out = new ArrayList<>();
        for (Path file : files(dir)) {
            out.addAll(fileDocuments(file));
        }
        return out;
    }

    /** The non-empty documents of one file. */
    static List<Document> fileDocuments(Path file) {
        List<Document> out = new ArrayList<>();
        try (YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(file.toFile())) {
            int index = 0;
            while (parser.nextToken() != null) {
                JsonNode node = YAML.readTree(parser);
                if (node != null && node.isObject() && !node.isEmpty()) {
                    out.add(new Document(file, index, (ObjectNode) node));
                }
                index++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }
}
