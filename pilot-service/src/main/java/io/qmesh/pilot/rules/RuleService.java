package io.qmesh.pilot.rules;

import io.qmesh.pilot.model.MeshSnapshot;
import io.qmesh.pilot.model.ProxyNode;
import io.qmesh.pilot.model.istio.ConfigKey;
import io.qmesh.pilot.model.istio.ConfigKind;
import io.qmesh.pilot.model.istio.IstioConfig;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The rules API without HTTP: parse, validate, analyze, then write to the store, all-or-nothing per
 * request. The REST layer only maps paths and status codes onto these methods.
 */
public final class RuleService {
    /** One object's fate in a request. {@code result}: created, configured, unchanged, deleted, rejected, skipped. */
    public record ObjectResult(int index, String kind, String namespace, String name, String result,
                               List<FieldError> errors, List<FieldError> warnings) {
    }

    public record Result(boolean ok, List<ObjectResult> objects) {
    }

    private final RuleStore store;
    private final Supplier<MeshSnapshot> registry;
    private final Supplier<Collection<ProxyNode>> proxies;
    private final String readOnly;

    public RuleService(RuleStore store, Supplier<MeshSnapshot> registry, Supplier<Collection<ProxyNode>> proxies) {
        this(store, registry, proxies, null);
    }

    /**
     * {@code readOnlyReason} non-null makes every write fail with 405 and that message: on Kubernetes
     * the store mirrors the API server, which is where rules are written.
     */
    public RuleService(RuleStore store, Supplier<MeshSnapshot> registry, Supplier<Collection<ProxyNode>> proxies,
                       String readOnlyReason) {
        this.store = store;
        this.registry = registry;
        this.proxies = proxies;
        this.readOnly = readOnlyReason;
    }

    /**
     * The validating webhook's check of one object: the same reading and validation as a write, and the
     * analyzer's warnings against the rule set as it would be; nothing is written.
     */
    public CheckedDocument review(JsonNode object, String namespace) {
        CheckedDocument checked = CheckedDocument.read(object, namespace);
        if (!checked.ok()) {
            return checked;
        }
        List<FieldError> warnings = new ArrayList<>(checked.warnings());
        List<IstioConfig> after = store.preview(List.of(RuleStore.Write.of(RuleStore.Op.APPLY, checked.config())));
        warnings.addAll(RuleAnalyzer.analyze(checked.config(), after, registry.get(), proxies.get()));
        return new CheckedDocument(checked.parsed(), checked.errors(), warnings);
    }

    private void ensureWritable() {
        if (readOnly != null) {
            throw new RuleException(405, "MethodNotAllowed", readOnly, List.of());
        }
    }

    public RuleStore store() {
        return store;
    }

    /** {@code POST /apply}: every document of the body, created or updated; one invalid document rejects all. */
    public Result apply(String body, String defaultNamespace) {
        ensureWritable();
        List<JsonNode> docs = RuleCodec.documents(body);
        if (docs.isEmpty()) {
            throw new RuleException(400, "BadRequest", "body holds no document", List.of());
        }
        List<ParsedDocument> parsed = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            parsed.add(RuleCodec.read(i, docs.get(i), defaultNamespace));
        }
        return write(parsed, RuleStore.Op.APPLY);
    }

    /** POST to a collection: exactly one object of {@code kind} in {@code namespace}. */
    public IstioConfig create(ConfigKind kind, String namespace, String body) {
        ensureWritable();
        ParsedDocument doc = single(kind, namespace, null, body);
        return only(write(List.of(doc), RuleStore.Op.CREATE), doc);
    }

    /** PUT to an object: replaces it; the body's name must be the URL's. */
    public IstioConfig replace(ConfigKind kind, String namespace, String name, String body) {
        ensureWritable();
        ParsedDocument doc = single(kind, namespace, name, body);
        return only(write(List.of(doc), RuleStore.Op.REPLACE), doc);
    }

    public IstioConfig delete(ConfigKey key) {
        ensureWritable();
        return store.write(List.of(RuleStore.Write.delete(key))).get(0).config();
    }

    /** Warnings for an object already stored, as returned on create/replace. */
    public List<FieldError> warnings(IstioConfig config) {
        List<FieldError> out = new ArrayList<>(RuleValidator.validate(config).warnings());
        out.addAll(RuleAnalyzer.analyze(config, store.all(), registry.get(), proxies.get()));
        return out;
    }

    private ParsedDocument single(ConfigKind kind, String namespace, String name, String body) {
        List<JsonNode> docs = RuleCodec.documents(body);
        if (docs.size() != 1) {
            throw new RuleException(400, "BadRequest", "body holds " + docs.size() + " documents (expected: exactly one)", List.of());
        }
        ParsedDocument doc = RuleCodec.read(0, docs.get(0), namespace);
        List<FieldError> errors = new ArrayList<>(doc.errors());
        if (!doc.kind().isEmpty() && !doc.kind().equals(kind.kind())) {
            errors.add(new FieldError("kind", "\"" + doc.kind() + "\" (expected: " + kind.kind() + " as in the URL)"));
        }
        if (!doc.namespace().equals(namespace)) {
            errors.add(new FieldError("metadata.namespace", "\"" + doc.namespace() + "\" (expected: \"" + namespace + "\" as in the URL)"));
        }
        if (name != null && !doc.name().equals(name)) {
            errors.add(new FieldError("metadata.name", "\"" + doc.name() + "\" (expected: \"" + name + "\" as in the URL)"));
        }
        if (!errors.isEmpty()) {
            throw RuleException.invalid(kind.kind() + " " + namespace + "/" + doc.name(), errors);
        }
        return doc;
    }

    private IstioConfig only(Result result, ParsedDocument doc) {
        ObjectResult r = result.objects().get(0);
        if (!result.ok()) {
            throw RuleException.invalid(doc.kind() + " " + doc.namespace() + "/" + doc.name(), r.errors());
        }
        return store.get(new ConfigKey(ConfigKind.byKind(r.kind()).orElseThrow(), r.namespace(), r.name())).orElseThrow();
    }

    private Result write(List<ParsedDocument> parsed, RuleStore.Op op) {
        List<List<FieldError>> errors = new ArrayList<>();
        List<List<FieldError>> warnings = new ArrayList<>();
        Map<ConfigKey, Integer> seen = new HashMap<>();
        boolean ok = true;
        List<RuleStore.Write> writes = new ArrayList<>();
        for (ParsedDocument d : parsed) {
            CheckedDocument checked = CheckedDocument.of(d);
            List<FieldError> e = new ArrayList<>(checked.errors());
            List<FieldError> w = new ArrayList<>(checked.warnings());
            if (d.ok()) {
                Integer first = seen.putIfAbsent(d.config().key(), d.index());
                if (first != null) {
                    e.add(new FieldError("metadata.name", "\"" + d.name() + "\" (expected: each object once per request, also document " + first + ")"));
                }
                writes.add(RuleStore.Write.of(op, d.config()));
            }
            ok &= e.isEmpty();
            errors.add(e);
            warnings.add(w);
        }
        List<ObjectResult> results = new ArrayList<>();
        if (!ok) {
            for (int i = 0; i < parsed.size(); i++) {
                ParsedDocument d = parsed.get(i);
                String result = errors.get(i).isEmpty() ? "skipped" : "rejected";
                results.add(new ObjectResult(d.index(), d.kind(), d.namespace(), d.name(), result, errors.get(i), List.of()));
            }
            return new Result(false, results);
        }
        List<IstioConfig> after = store.preview(writes);
        MeshSnapshot snapshot = registry.get();
        Collection<ProxyNode> connected = proxies.get();
        for (int i = 0; i < parsed.size(); i++) {
            warnings.get(i).addAll(RuleAnalyzer.analyze(parsed.get(i).config(), after, snapshot, connected));
        }
        List<RuleStore.Outcome> outcomes = store.write(writes);
        for (int i = 0; i < parsed.size(); i++) {
            ParsedDocument d = parsed.get(i);
            results.add(new ObjectResult(d.index(), d.kind(), d.namespace(), d.name(), outcomes.get(i).result(),
                    List.of(), warnings.get(i)));
        }
        return new Result(true, results);
    }
}
