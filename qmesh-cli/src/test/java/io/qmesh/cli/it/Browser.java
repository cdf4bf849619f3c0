package io.qmesh.cli.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmesh.cli.client.AdminClient;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A user of the productpage through the ingress: cookies kept (login), plus admin /stats and /config_dump reads. */
final class Browser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder()
            .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private final String gateway;

    Browser(String gateway) {
        this.gateway = gateway;
    }

    /** A page load: status and body; what {@link #stars} makes of it. */
    record Page(int status, String body, long millis) {
        String stars() {
            return Browser.stars(body);
        }
    }

    Page get(String path) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(gateway + path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Page(r.statusCode(), r.body(), (System.nanoTime() - t0) / 1_000_000);
    }

    void login(String user) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(gateway + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=" + user + "&passwd=")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 302) {
            throw new AssertionError("login as " + user + ": " + r.statusCode() + " " + r.body());
        }
    }

    /** none, black or red: the reviews version that answered (v1, v2, v3); "error" when ratings failed. */
    static String stars(String body) {
        if (body.contains("stars-black")) {
            return "black";
        }
        if (body.contains("stars-red")) {
            return "red";
        }
        return "none";
    }

    static String get(HttpClient c, String url) throws IOException, InterruptedException {
        return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A proxy's counters from its admin {@code /stats}, read by the CLI's own admin client. */
    static Map<String, Long> stats(String adminUrl) {
        return new AdminClient(adminUrl, adminUrl).stats();
    }

    static long counter(Map<String, Long> stats, String name) {
        return stats.getOrDefault(name, 0L);
    }

    /** Waits until a proxy's accepted route configuration contains {@code text} (a push arrived). */
    static void awaitRoutes(String adminUrl, String text) throws Exception {
        awaitRoutes(adminUrl, text, true);
    }

    /** Waits until a proxy's accepted route configuration contains {@code text}, or no longer does. */
    static void awaitRoutes(String adminUrl, String text, boolean present) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            JsonNode dump = JSON.readTree(get(HttpClient.newHttpClient(), adminUrl + "/config_dump"));
            for (JsonNode c : dump.path("configs")) {
                if (c.path("@type").asText().endsWith("RoutesConfigDump")) {
                    last = c.toString();
                }
            }
            if (last.contains(text) == present) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("routes of " + adminUrl + " never " + (present ? "contained " : "lost ") + text + ": " + last);
    }

    /** Waits until a proxy's {@code /config_dump} contains {@code text}, or no longer does: a push arrived. */
    static void awaitConfig(String admin, String text, boolean present) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String dump = "";
        while (System.nanoTime() < deadline) {
            dump = JSON.readTree(get(HttpClient.newHttpClient(), admin + "/config_dump")).toString();
            if (dump.contains(text) == present) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(admin + "/config_dump " + (present ? "lacks " : "still has ") + text);
    }
}
