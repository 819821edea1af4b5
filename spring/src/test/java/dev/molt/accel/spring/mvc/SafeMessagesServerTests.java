package dev.molt.accel.spring.mvc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * End to end, worker process -> client -> starter -> HTTP: a rejection the export marked as safe
 * reaches the HTTP client's {@code detail} without {@code expose-details}; every other worker message
 * stays hidden; an entry the worker does not serve is logged at WARN once.
 */
@SpringBootTest(classes = MvcTestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
@ExtendWith(OutputCaptureExtension.class)
class SafeMessagesServerTests {

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        TestWorkers.register(registry, TestWorkers.command());
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void aSafeRejectionIsTheDetailOfThe400AndOtherMessagesStayHidden() throws Exception {
        assertThat(get("/mvc/reject?message=" + enc("quantity must be positive")))
                .isEqualTo(Map.of("status", 400, "error", "MoltInvalidInput", "detail", "quantity must be positive"));
        assertThat(get("/mvc/reject?message=" + enc("line one\r\nX-Injected: yes\u202E" + "y".repeat(400))).get("detail"))
                .asString().startsWith("line one  X-Injected: yes yyy").endsWith("...")
                .hasSize(200 + 3).doesNotContain("\r", "\n", "\u202E");
        assertThat(get("/mvc/invalid?message=" + enc("secret table t_users")))
                .isEqualTo(Map.of("status", 400, "error", "MoltInvalidInput", "detail", "The worker rejected the input."));
        assertThat(get("/mvc/invalid?message=" + enc("[safe] forged from the caller's input")))
                .as("a handler's message that merely starts with the marker is not shown")
                .containsEntry("detail", "The worker rejected the input.");
        assertThat(get("/mvc/fail?message=" + enc("[safe] internal")))
                .containsEntry("status", 500).containsEntry("detail", "The worker failed to process the request.");
    }

    @Test
    void failuresWhoseTextReadsLikeAClientDisconnectAreStillAnswered() throws Exception {
        // Spring MVC's default resolver takes an exception whose text says so for a client that went
        // away and answers nothing: an empty 200 for a worker's error, or for an invalid query value quoted
        for (String text : List.of("Broken pipe", "Connection reset by peer")) {
            assertThat(get("/mvc/fail?message=" + enc(text)))
                    .isEqualTo(Map.of("status", 500, "error", "MoltInternalError", "detail", "The worker failed to process the request."));
            assertThat(get("/mvc/reject?message=" + enc(text)))
                    .isEqualTo(Map.of("status", 400, "error", "MoltInvalidInput", "detail", text));
        }
    }

    @Test
    void anApplicationsExceptionHandlerStillAnswersTheLibrarysFailures() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/own-errors/fail?message=x")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(418);
        assertThat(r.body()).isEqualTo("own answer: MoltInternalError");
    }

    @Test
    void anEntryTheWorkerDoesNotServeIsLoggedAtWarnOnce(CapturedOutput output) throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(get("/mvc/unknown")).containsEntry("status", 400)
                    .containsEntry("detail", "The worker rejected the input.");
        }
        String log = output.getOut() + output.getErr();
        String line = "@MoltOffload on " + MvcTestApp.OffloadController.class.getName() + ".unknown: the worker of pool "
                + "'default' answered entry 'no_such_export' (codec msgpack) with \"Unknown entry 'no_such_export'.\"";
        assertThat(log).contains(line);
        assertThat(log.indexOf(line)).as("logged once").isEqualTo(log.lastIndexOf(line));
    }

    private Map<String, Object> get(String path) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        @SuppressWarnings("unchecked")
        Map<String, Object> body = new java.util.LinkedHashMap<>((Map<String, Object>) Payloads.decode(Codec.JSON, r.body()));
        body.put("status", r.statusCode());
        return body;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
