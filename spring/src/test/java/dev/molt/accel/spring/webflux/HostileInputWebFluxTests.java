package dev.molt.accel.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.testsupport.RawHttp;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
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
import reactor.core.publisher.Mono;

/**
 * Hostile requests to offloaded WebFlux endpoints over a real Reactor Netty server and worker: chunked
 * bodies far over the limit, a query that is not UTF-8, a worker answering in the wrong codec.
 */
@SpringBootTest(classes = {WebFluxTestApp.class, HostileInputWebFluxTests.HostileController.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.main.web-application-type=reactive", "molt.accel.max-request-size=1MB",
            "spring.http.codecs.max-in-memory-size=4MB"})
@DirtiesContext
class HostileInputWebFluxTests {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long LIMIT = 1L << 20;

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        TestWorkers.register(registry, TestWorkers.command());
    }

    @LocalServerPort
    int port;

    @RestController
    @RequestMapping("/hostile-flux")
    static class HostileController {

        @PostMapping("/body")
        @MoltOffload(entry = "echo", timeoutMs = 10_000)
        public Mono<Map<String, Object>> body(@RequestBody Map<String, Object> body) {
            return Mono.error(new AssertionError("not run"));
        }

        @GetMapping("/codec-json")
        @MoltOffload(entry = "echo", codecOut = "json", timeoutMs = 10_000)
        public Mono<Map<String, Object>> expectsJson(@RequestParam String name) {
            return Mono.error(new AssertionError("not run"));
        }
    }

    /** As on Spring MVC: refused with 413 once past the limit, allocating about the limit's worth. */
    @ParameterizedTest
    @ValueSource(longs = {20_000_000L, 200_000_000L})
    void chunkedBodiesOverTheLimitAre413WhileRead(long size) throws Exception {
        RawHttp.chunkedPost(port, "/hostile-flux/body", "application/json", "{\"name\":\"", 4 * LIMIT, (byte) 'x',
                30_000);
        long allocatedBefore = RawHttp.allocatedBytes();
        RawHttp.Answer a = RawHttp.chunkedPost(port, "/hostile-flux/body", "application/json", "{\"name\":\"", size,
                (byte) 'x', 30_000);
        long allocated = RawHttp.allocatedBytes() - allocatedBefore;
        System.out.printf("[hostile] WebFlux chunked %d MB body: %d in %d ms, %.1f MB sent, %.1f MB allocated%n",
                size / 1_000_000, a.status(), a.millis(), a.bytesSent() / 1e6, allocated / 1e6);

        assertThat(a.status()).as(a.body()).isEqualTo(413);
        assertThat(a.headers().get("content-type")).startsWith("application/json");
        assertThat(JSON.readValue(a.body(), Map.class)).isEqualTo(
                Map.of("error", "MoltPayloadTooLarge", "detail", "Request body exceeds " + LIMIT + " bytes"));
        assertThat(a.millis()).isLessThan(10_000);
        assertThat(allocated).as("bytes allocated while refusing the body").isLessThan(48 * LIMIT);
        assertThat(a.bytesSent()).isLessThan(size);
    }

    @Test
    void aChunkedBodyWithinTheLimitIsServed() throws Exception {
        RawHttp.Answer ok = RawHttp.chunkedPost(port, "/hostile-flux/body", "application/json",
                "{\"qty\":3,\"pad\":\"" + "y".repeat(500_000) + "\"}", 0, (byte) ' ', 30_000);
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(JSON.readValue(ok.body(), Map.class)).containsEntry("qty", 3);
    }

    @Test
    void aQueryThatIsNotUtf8Is400WithTheErrorBody() throws Exception {
        RawHttp.Answer a = get("/flux/echo?name=%FF%FEabc%C3");
        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.headers().get("content-type")).startsWith("application/json");
        assertThat(JSON.readValue(a.body(), Map.class)).containsEntry("error", "MoltInvalidInput").containsKey("detail")
                .hasSize(2);
    }

    @Test
    void anAnswerInAnotherCodecThanCodecOutIs502() throws Exception {
        RawHttp.Answer a = get("/hostile-flux/codec-json?name=a");
        assertThat(a.status()).as(a.body()).isEqualTo(502);
        assertThat(JSON.readValue(a.body(), Map.class))
                .isEqualTo(Map.of("error", "MoltProtocolError", "detail", "The worker sent an invalid response."));
    }

    private RawHttp.Answer get(String target) throws Exception {
        return RawHttp.send(port, ("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII), 30_000);
    }
}
