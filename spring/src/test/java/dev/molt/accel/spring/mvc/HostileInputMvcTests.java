package dev.molt.accel.spring.mvc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.testsupport.RawHttp;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Hostile requests to offloaded Spring MVC endpoints over a real Tomcat and worker: chunked bodies
 * far over the limit, a query that is not UTF-8, a worker answering in the wrong codec.
 */
@SpringBootTest(classes = {MvcTestApp.class, HostileInputMvcTests.HostileController.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "molt.accel.max-request-size=1MB")
@DirtiesContext
@ExtendWith(OutputCaptureExtension.class)
class HostileInputMvcTests {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long LIMIT = 1L << 20;

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        TestWorkers.register(registry, TestWorkers.command());
    }

    @LocalServerPort
    int port;

    @RestController
    @RequestMapping("/hostile")
    static class HostileController {

        @PostMapping("/body")
        @MoltOffload(entry = "echo", timeoutMs = 10_000)
        public Map<String, Object> body(@RequestBody Map<String, Object> body) {
            throw new AssertionError("not run");
        }

        /** The export answers msgpack (echo answers in the request's codec); JSON is declared. */
        @GetMapping("/codec-json")
        @MoltOffload(entry = "echo", codecOut = "json", timeoutMs = 10_000)
        public Map<String, Object> expectsJson(@RequestParam String name) {
            throw new AssertionError("not run");
        }

        /** JSON bytes that would be written through as they came, where msgpack is declared. */
        @GetMapping("/codec-passthrough")
        @MoltOffload(entry = "echo", codec = "json", codecOut = "msgpack", timeoutMs = 10_000,
                payloadBuilder = MvcTestApp.RawJsonPayload.class)
        public Map<String, Object> passThrough() {
            throw new AssertionError("not run");
        }

        @GetMapping("/codec-ok")
        @MoltOffload(entry = "echo", codecOut = "msgpack", timeoutMs = 10_000)
        public Map<String, Object> matching(@RequestParam String name) {
            throw new AssertionError("not run");
        }
    }

    /**
     * A chunked body of 20 MB or 200 MB (no Content-Length), streamed from a generator: refused with
     * 413 once it passes the 1 MiB limit, in about the time the limit takes, allocating about the
     * limit's worth rather than the body's.
     */
    @ParameterizedTest
    @ValueSource(longs = {20_000_000L, 200_000_000L})
    void chunkedBodiesOverTheLimitAre413WhileRead(long size) throws Exception {
        RawHttp.chunkedPost(port, "/hostile/body", "application/json", "{\"name\":\"", 4 * LIMIT, (byte) 'x', 30_000);
        long allocatedBefore = RawHttp.allocatedBytes();
        RawHttp.Answer a = RawHttp.chunkedPost(port, "/hostile/body", "application/json", "{\"name\":\"", size,
                (byte) 'x', 30_000);
        long allocated = RawHttp.allocatedBytes() - allocatedBefore;
        System.out.printf("[hostile] MVC chunked %d MB body: %d in %d ms, %.1f MB sent, %.1f MB allocated%n",
                size / 1_000_000, a.status(), a.millis(), a.bytesSent() / 1e6, allocated / 1e6);

        assertThat(a.status()).isEqualTo(413);
        assertThat(a.headers().get("content-type")).startsWith("application/json");
        assertThat(JSON.readValue(a.body(), Map.class)).isEqualTo(
                Map.of("error", "MoltPayloadTooLarge", "detail", "Request body exceeds " + LIMIT + " bytes"));
        assertThat(a.millis()).isLessThan(10_000);
        assertThat(allocated).as("bytes allocated while refusing the body").isLessThan(48 * LIMIT);
        assertThat(a.bytesSent()).isLessThan(size);
    }

    @Test
    void aChunkedBodyWithinTheLimitIsServed() throws Exception {
        RawHttp.Answer a = RawHttp.chunkedPost(port, "/hostile/body", "application/json",
                "{\"name\":\"" + "y".repeat(500_000) + "\",\"qty\":3", 0, (byte) ' ', 30_000);
        // the prefix is the whole body but for its closing brace, written after the generator's zero bytes
        assertThat(a.status()).as(a.body()).isIn(200, 400);
        RawHttp.Answer ok = RawHttp.chunkedPost(port, "/hostile/body", "application/json",
                "{\"qty\":3,\"pad\":\"" + "y".repeat(500_000) + "\"}", 0, (byte) ' ', 30_000);
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(JSON.readValue(ok.body(), Map.class)).containsEntry("qty", 3);
    }

    @Test
    void aQueryThatIsNotUtf8Is400WithTheErrorBody() throws Exception {
        RawHttp.Answer a = RawHttp.send(port, ("GET /mvc/echo?name=%FF%FEabc%C3 HTTP/1.1\r\nHost: localhost\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII), 30_000);
        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.headers().get("content-type")).startsWith("application/json");
        assertThat(JSON.readValue(a.body(), Map.class)).containsEntry("error", "MoltInvalidInput").containsKey("detail")
                .hasSize(2);
    }

    @Test
    void anAnswerInAnotherCodecThanCodecOutIs502LoggedOnce(CapturedOutput output) throws Exception {
        for (int i = 0; i < 3; i++) {
            RawHttp.Answer json = get("/hostile/codec-json?name=a");
            assertThat(json.status()).as(json.body()).isEqualTo(502);
            assertThat(JSON.readValue(json.body(), Map.class))
                    .isEqualTo(Map.of("error", "MoltProtocolError", "detail", "The worker sent an invalid response."));
            RawHttp.Answer passThrough = get("/hostile/codec-passthrough");
            assertThat(passThrough.status()).as(passThrough.body()).isEqualTo(502);
            assertThat(passThrough.headers().get("content-type")).startsWith("application/json");
            assertThat(JSON.readValue(passThrough.body(), Map.class)).containsEntry("error", "MoltProtocolError");
        }
        RawHttp.Answer ok = get("/hostile/codec-ok?name=b");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(JSON.readValue(ok.body(), Map.class)).containsEntry("name", "b");

        String log = output.getAll();
        assertThat(countOf(log, "Worker answered 'echo' in codec msgpack but the export's codec_out is json")).isEqualTo(1);
        assertThat(countOf(log, "Worker answered 'echo' in codec json but the export's codec_out is msgpack")).isEqualTo(1);
    }

    private RawHttp.Answer get(String target) throws Exception {
        return RawHttp.send(port, ("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII), 30_000);
    }

    private static int countOf(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
