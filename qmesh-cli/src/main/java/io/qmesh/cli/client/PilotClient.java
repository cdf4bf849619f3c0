package io.qmesh.cli.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmesh.cli.CliException;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/** Pilot's HTTP API (port 15014): {@code /apply}, the Kubernetes-style rules API, {@code /debug/syncz}. */
public final class PilotClient {
    public static final String GROUP = "networking.istio.io/v1";
    /** qmesh's own policy kinds (RateLimitPolicy, FallbackPolicy), plural names ending in "policies". */
    public static final String POLICY_GROUP = "policy.qmesh.io/v1alpha1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;

    /** @param hostPort pilot's HTTP address, e.g. 127.0.0.1:15014 */
    public PilotClient(String hostPort) {
        this.base = hostPort.startsWith("http") ? hostPort : "http://" + hostPort;
    }

    /** All-or-nothing multi-document apply; the JSON result has {@code ok} and one {@code results[]} entry per document. */
    public JsonNode apply(String yaml, String namespace) {
        HttpResponse<String> r = call(HttpRequest.newBuilder(uri("/apply?namespace=" + enc(namespace)))
                .header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(yaml)));
        if (r.statusCode() != 200 && r.statusCode() != 422) {
            throw new CliException("pilot answered " + r.statusCode() + " to apply: " + statusMessage(r.body()));
        }
        return parse(r.body());
    }

    /** The API group and version pilot serves {@code plural} under. */
    public static String groupVersion(String plural) {
        return plural.endsWith("policies") ? POLICY_GROUP : GROUP;
    }

    /** The list of {@code plural} in {@code namespace} (all namespaces when null). */
    public JsonNode list(String plural, String namespace) {
        String path = namespace == null ? "/apis/" + groupVersion(plural) + "/" + plural
                : "/apis/" + groupVersion(plural) + "/namespaces/" + enc(namespace) + "/" + plural;
        HttpResponse<String> r = call(HttpCalls.get(uri(path)));
        if (r.statusCode() == 404) {
            throw new CliException("pilot does not serve \"" + plural + "\" (" + statusMessage(r.body()) + ")");
        }
        expectOk(r, "list " + plural);
        return parse(r.body());
    }

    /** Deletes one object; false if it did not exist. */
    public boolean delete(String plural, String namespace, String name) {
        HttpResponse<String> r = call(HttpRequest.newBuilder(
                uri("/apis/" + groupVersion(plural) + "/namespaces/" + enc(namespace) + "/" + plural + "/" + enc(name))).DELETE());
        if (r.statusCode() == 404) {
            return false;
        }
        expectOk(r, "delete " + plural + " " + namespace + "/" + name);
        return true;
    }

    /** Per connected proxy and xDS type: sent, ACKed and NACKed versions. */
    public JsonNode syncz() {
        HttpResponse<String> r = call(HttpCalls.get(uri("/debug/syncz")));
        expectOk(r, "read /debug/syncz");
        return parse(r.body());
    }

    private HttpResponse<String> call(HttpRequest.Builder request) {
        return HttpCalls.send(request, "pilot is not running at " + base + " (start the mesh with: qmesh up)");
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private static void expectOk(HttpResponse<String> r, String what) {
        if (r.statusCode() / 100 != 2) {
            throw new CliException("pilot answered " + r.statusCode() + " to " + what + ": " + statusMessage(r.body()));
        }
    }

    /** The {@code message} of a Kubernetes Status body, else the body's first line. */
    static String statusMessage(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.hasNonNull("message")) {
                return n.get("message").asText();
            }
        } catch (JsonProcessingException e) {
            // not JSON: fall through
        }
        return body == null || body.isBlank() ? "(empty body)" : body.lines().findFirst().orElse("");
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new CliException("pilot sent a body that is not JSON: " + e.getOriginalMessage());
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
