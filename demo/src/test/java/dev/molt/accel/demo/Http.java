package dev.molt.accel.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Real HTTP/1.1 requests to the application under test (JDK client, keep-alive). */
final class Http {

    static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** An answer: status, content type and body bytes. */
    record Answer(int status, String contentType, byte[] body) {

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private Http() {
    }

    static Answer get(int port, String pathAndQuery) {
        return send(request(port, pathAndQuery).GET().build());
    }

    /**
     * GETs until the answer is a 200 (at most a minute): a cold worker JVM on a loaded machine may miss
     * an endpoint's short deadline on its first calls, which is not what the callers test.
     */
    static Answer getUntilOk(int port, String pathAndQuery) {
        Answer[] last = new Answer[1];
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> (last[0] = get(port, pathAndQuery)).status() == 200);
        return last[0];
    }

    static Answer postJson(int port, String path, String json) {
        return send(request(port, path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    static HttpRequest.Builder request(int port, String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(30));
    }

    static Answer send(HttpRequest request) {
        try {
            HttpResponse<byte[]> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
