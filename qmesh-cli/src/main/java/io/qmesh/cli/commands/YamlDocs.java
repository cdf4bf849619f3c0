package io.qmesh.cli.commands;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.qmesh.cli.CliException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code -f} files ({@code -} = stdin) and splits them into YAML documents, with line numbers in errors. */
final class YamlDocs {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** A file's text and its non-empty documents. */
    record Source(String name, String text, List<JsonNode> documents) {
    }

    private YamlDocs() {
    }

    static Source read(String file) {
        String text;
        try {
            text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new CliException(file + ": no such file");
        } catch (IOException e) {
            throw new CliException(file + ": cannot read (" + e.getMessage() + ")");
        }
        String name = file.equals("-") ? "<stdin>" : file;
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc == null || doc.isNull() || doc.isMissingNode() || doc.isEmpty()) {
                    continue;
                }
                if (!doc.isObject()) {
                    throw new CliException(name + ": document " + (docs.size() + 1) + " is not a mapping (expected: an Istio object)");
                }
                docs.add(doc);
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new CliException(name + ": invalid YAML" + (at == null ? "" : " at line " + at.getLineNr()
                    + ", column " + at.getColumnNr()) + ": " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new CliException(name + ": cannot read (" + e.getMessage() + ")");
        }
        if (docs.isEmpty()) {
            throw new CliException(name + ": no objects in the file");
        }
        return new Source(name, text, docs);
    }
}
