package dev.molt.accel.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.spring.testsupport.CallProbe;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.reactive.context.ReactiveWebServerApplicationContext;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * @MoltOffload on WebFlux (Reactor Netty) against real workers: WebTestClient for the options and
 * statuses, a raw HTTP/1.1 socket for cancellation on disconnect.
 */
@SpringBootTest(classes = WebFluxTestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "spring.main.web-application-type=reactive",
    "molt.accel.expose-details=true",
    "molt.accel.max-request-size=1KB",
})
@AutoConfigureWebTestClient(timeout = "PT30S")
@DirtiesContext
class WebFluxOffloadTests {

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        TestWorkers.register(registry, TestWorkers.command());
    }

    @Autowired
    WebTestClient web;

    @Autowired
    MoltClient client;

    @Autowired
    CallProbe probe;

    @Autowired
    ReactiveWebServerApplicationContext context;

    @LocalServerPort
    int port;

    @TempDir
    Path tmp;

    /**
     * A crash or a protocol error replaces the worker: a call waits for its successor, whose JVM may
     * take longer than the endpoint's deadline to start on a loaded machine (a 503 for another reason
     * than the one under test).
     */
    @BeforeEach
    void aWorkerTakesCalls() {
        await().atMost(Duration.ofSeconds(60)).until(() -> client.stats().workers() >= 1);
    }

    @Test
    void runsOnReactorNetty() {
        assertThat(context.getWebServer().getClass().getSimpleName()).contains("Netty");
    }

    @Test
    void monoOfMapRecordAndResponseEntity() {
        assertThat(json(web.get().uri("/flux/echo?name=a&qty=2").exchange().expectStatus().isOk()
                .expectBody().returnResult())).isEqualTo(Map.of("name", "a", "qty", 2));
        assertThat(json(web.post().uri("/flux/record").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\":\"r\",\"qty\":3}").exchange().expectStatus().isOk().expectBody().returnResult()))
                .isEqualTo(Map.of("name", "r", "qty", 3));
        assertThat(json(web.post().uri("/flux/entity").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\":\"e\",\"qty\":4}").exchange().expectStatus().isOk().expectBody().returnResult()))
                .isEqualTo(Map.of("name", "e", "qty", 4));
    }

    @Test
    void listItemsIsPassedThroughAndValidated() {
        EntityExchangeResult<byte[]> r = web.get().uri("/flux/list?user_id=3&limit=2").exchange().expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON).expectBody().returnResult();
        assertThat((List<?>) json(r).get("items")).hasSize(2);
        error(web.get().uri("/flux/list").exchange(), 400, "MoltInvalidInput", "user_id is required");
    }

    @Test
    void decodeResponseFalse() {
        EntityExchangeResult<byte[]> r = web.get().uri("/flux/raw?name=z").exchange().expectStatus().isOk()
                .expectHeader().contentType("application/msgpack").expectBody().returnResult();
        assertThat(Payloads.decode(Codec.MSGPACK, r.getResponseBody())).isEqualTo(Map.of("name", "z"));
    }

    @Test
    void failureStatusesWithExposedDetails() {
        error(web.get().uri("/flux/timeout?ms=5000").exchange(), 504, "MoltTimeout", null);
        Map<String, Object> fail = error(web.get().uri("/flux/fail?message=visible-because-exposed").exchange(), 500,
                "MoltInternalError", null);
        assertThat((String) fail.get("detail")).contains("visible-because-exposed");
        web.get().uri("/flux/crash").exchange().expectStatus().isEqualTo(503).expectHeader().valueEquals("Retry-After", "1");
        aWorkerTakesCalls();
        error(web.get().uri("/flux/garbage").exchange(), 502, "MoltProtocolError", null);
        aWorkerTakesCalls();
        error(web.get().uri("/flux/unknown").exchange(), 400, "MoltInvalidInput", null);
        error(web.get().uri("/flux/cancellable?ms=20000&cooperative=true").header("X-Cancel", "yes").exchange(), 499,
                "MoltCancelled", null);
        web.get().uri("/flux/echo?name=after-failures").exchange().expectStatus().isOk();
    }

    @Test
    void failuresWhoseTextReadsLikeAClientDisconnectAreStillAnswered() {
        for (String text : List.of("Broken pipe", "Connection reset by peer")) {
            error(web.get().uri("/flux/fail?message={m}", text).exchange(), 500, "MoltInternalError", null);
        }
    }

    @Test
    void fallbackAndOversizedBodies() {
        web.get().uri("/flux/fallback").exchange().expectStatus().isEqualTo(202).expectBody()
                .jsonPath("$.fallback").isEqualTo(true);
        error(web.post().uri("/flux/record").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\":\"" + "x".repeat(2000) + "\",\"qty\":1}").exchange(), 413, "MoltPayloadTooLarge", null);
    }

    /**
     * A raw HTTP/1.1 client sends a request and closes its socket while the worker sleeps: Reactor
     * Netty notices the close, cancels the subscription, and the worker sees the {@code __cancel__}.
     */
    @Test
    void clientDisconnectCancelsTheWorkerCall() throws Exception {
        long observedBefore = cancelObserved();
        long cancelsBefore = probe.cancels("touch");
        Path file = tmp.resolve("flux-disconnect.txt");
        long closedAt;
        try (Socket socket = new Socket("localhost", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /flux/touch-hold?file=" + file + "&sleep_ms=30000 HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(file) && !Files.readAllLines(file).isEmpty());
            closedAt = System.nanoTime();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.cancels("touch") > cancelsBefore);
        long latencyMicros = (probe.cancelledAt("touch", closedAt) - closedAt) / 1000;
        System.out.printf("[disconnect-latency] WebFlux/Reactor Netty HTTP/1.1: close -> __cancel__ sent in %.1f ms%n",
                latencyMicros / 1000.0);
        assertThat(latencyMicros).isBetween(0L, 2_000_000L);
        await().atMost(Duration.ofSeconds(10)).until(() -> cancelObserved() > observedBefore);
        assertThat(probe.cancels("touch")).as("cancelled once").isEqualTo(cancelsBefore + 1);
        // the worker counts the cancel it saw before it answers the cancelled request, which ends it here
        await().atMost(Duration.ofSeconds(10)).until(() -> client.stats().inFlight() == 0);
    }

    private long cancelObserved() {
        Map<?, ?> stats = client.call("stats", Map.of(), CallOptions.builder().timeoutMs(60_000).build()).as(Map.class);
        return ((Number) stats.get("cancel_observed")).longValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(EntityExchangeResult<byte[]> r) {
        return (Map<String, Object>) Payloads.decode(Codec.JSON, r.getResponseBody());
    }

    private static Map<String, Object> error(WebTestClient.ResponseSpec spec, int status, String code, String detail) {
        EntityExchangeResult<byte[]> r = spec.expectStatus().isEqualTo(status).expectHeader()
                .contentType(MediaType.APPLICATION_JSON).expectBody().returnResult();
        Map<String, Object> body = json(r);
        assertThat(body).containsOnlyKeys("error", "detail").containsEntry("error", code);
        if (detail != null) {
            assertThat(body).containsEntry("detail", detail);
        }
        return body;
    }
}
