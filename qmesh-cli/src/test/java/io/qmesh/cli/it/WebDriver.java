package io.qmesh.cli.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * Just enough of the W3C WebDriver protocol, spoken to Debian's {@code chromedriver} over HTTP, to drive
 * headless Chromium: open a page, type into a field, click, find elements, take a screenshot. No Selenium.
 */
final class WebDriver implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Process driver;
    private final String base;
    private final String session;

    static boolean available() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    WebDriver(Path log) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        driver = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        base = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                if (call("GET", "/status", null).path("value").path("ready").asBoolean()) {
                    break;
                }
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            Thread.sleep(100);
        }
        ObjectNode caps = JSON.createObjectNode();
        ObjectNode options = caps.putObject("capabilities").putObject("alwaysMatch").putObject("goog:chromeOptions");
        options.put("binary", CHROMIUM.toString());
        List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900",
                "--no-proxy-server").forEach(options.withArray("args")::add);
        session = call("POST", "/session", caps).path("value").path("sessionId").asText();
    }

    void open(String url) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("url", url);
        call("POST", "/session/" + session + "/url", body);
    }

    String find(String css) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("using", "css selector").put("value", css);
        return call("POST", "/session/" + session + "/element", body).path("value").path(ELEMENT).asText();
    }

    int count(String css) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("using", "css selector").put("value", css);
        return call("POST", "/session/" + session + "/elements", body).path("value").size();
    }

    void type(String element, String text) throws Exception {
        call("POST", "/session/" + session + "/element/" + element + "/value", JSON.createObjectNode().put("text", text));
    }

    void click(String element) throws Exception {
        call("POST", "/session/" + session + "/element/" + element + "/click", JSON.createObjectNode());
    }

    String title() throws Exception {
        return call("GET", "/session/" + session + "/title", null).path("value").asText();
    }

    void screenshot(Path png) throws Exception {
        String base64 = call("GET", "/session/" + session + "/screenshot", null).path("value").asText();
        Files.write(png, Base64.getDecoder().decode(base64));
    }

    private JsonNode call(String method, String path, JsonNode body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = JSON.readTree(r.body());
        if (r.statusCode() != 200) {
            throw new IOException("webdriver " + method + " " + path + ": " + r.statusCode() + " " + json.path("value").path("message").asText());
        }
        return json;
    }

    @Override
    public void close() {
        try {
            if (session != null) {
                call("DELETE", "/session/" + session, null);
            }
        } catch (Exception e) {
            // the driver goes away below anyway
        }
        driver.destroy();
    }
}
