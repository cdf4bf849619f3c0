package io.qmesh.pilot.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmesh.pilot.model.istio.IstioConfig;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps all rules in one JSON file, {@code <dataDir>/rules.json}, replaced atomically on every change
 * (write a temporary file, fsync it, rename over the old one). One file keeps a multi-object apply
 * atomic on disk too. On load every object is parsed and validated again; any failure stops startup
 * with the file and the offending item named, rather than starting with a partial or empty rule set.
 */
public final class FileRuleStorage implements RuleStorage {
    public static final String FILE_NAME = "rules.json";
    private final Path dir;
    private final Path file;

    public FileRuleStorage(Path dataDir) {
        this.dir = dataDir;
        this.file = dataDir.resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    @Override
    public Contents load() {
        if (!Files.exists(file)) {
            return new Contents(0, List.of());
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw corrupt("cannot be read: " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = RuleCodec.json().readTree(text);
        } catch (IOException e) {
            throw corrupt("is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (root == null || !root.isObject() || !root.path("items").isArray() || !root.path("revision").canConvertToLong()) {
            throw corrupt("does not hold {\"revision\": <number>, \"items\": [...]}", null);
        }
        List<IstioConfig> configs = new ArrayList<>();
        JsonNode items = root.get("items");
        for (int i = 0; i < items.size(); i++) {
            ParsedDocument doc = RuleCodec.read(i, items.get(i), "default");
            List<FieldError> errors = new ArrayList<>(doc.errors());
            if (doc.ok()) {
                errors.addAll(RuleValidator.validate(doc.config()).errors());
            }
            if (!errors.isEmpty()) {
                throw corrupt("items[" + i + "] is invalid: " + errors.get(0), null);
            }
            JsonNode meta = items.get(i).path("metadata");
            configs.add(doc.config().withMetadata(doc.config().metadata()
                    .withStoreInfo(meta.path("resourceVersion").asText(null), meta.path("creationTimestamp").asText(null))));
        }
        return new Contents(root.get("revision").asLong(), configs);
    }

    @Override
    public void save(long revision, List<IstioConfig> configs) {
        ObjectNode root = RuleCodec.json().createObjectNode();
        root.put("revision", revision);
        ArrayNode items = root.putArray("items");
        configs.forEach(c -> items.add(RuleCodec.toTree(c)));
        byte[] bytes = RuleCodec.toJson(root).getBytes(StandardCharsets.UTF_8);
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, FILE_NAME, ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new RuleException(500, "InternalError", "cannot save rules to " + file + ": " + e.getMessage(), List.of());
        }
    }

    /** A failed save leaves the old file in place and no temp file behind. */
    private static void deleteQuietly(Path tmp) {
        if (tmp == null) {
            return;
        }
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // the save has failed already; that error is the one worth reporting
        }
    }

    private IllegalStateException corrupt(String what, Exception cause) {
        return new IllegalStateException("rule store " + file + " " + what
                + ". pilot does not start with a partial rule set: restore the file or move it away to start empty.", cause);
    }
}
