package dev.molt.accel.spring.mvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import dev.molt.accel.client.MoltClient;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.spring.testsupport.CallProbe;
import dev.molt.accel.spring.testsupport.TestWorkers;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/** Every option and every failure status of @MoltOffload on Spring MVC, through MockMvc, against real workers. */
@SpringBootTest(classes = MvcTestApp.class, properties = {
    "molt.accel.max-request-size=2KB",
    "management.endpoints.web.exposure.include=health,prometheus",
    "management.endpoint.health.show-details=always",
})
@AutoConfigureMockMvc
@DirtiesContext
class MvcOffloadTests {

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        TestWorkers.register(registry, TestWorkers.command());
    }

    @Autowired
    MockMvcTester mvc;

    @Autowired
    MockMvc mockMvc;

    @Autowired
    MoltClient moltClient;

    @Autowired
    @Qualifier("busyClient")
    MoltClient busyClient;

    @Autowired
    CallProbe probe;

    @Autowired
    MeterRegistry meters;

    @Autowired
    MvcTestApp.OffloadController controller;

    @Autowired
    MvcTestApp.EchoService echoService;

    @TempDir
    Path tmp;

    // ------------------------------------------------------------------ payloads and responses

    @Test
    void defaultPayloadIsTheMapOfArgumentsAndTheResultIsConverted() {
        MvcTestResult started = mvc.get().uri("/mvc/echo?name=widget&qty=3").asyncExchange();
        assertThat(started.getMvcResult().getRequest().isAsyncStarted()).as("served asynchronously").isTrue();
        MvcTestResult r = mvc.perform(asyncDispatch(started.getMvcResult()));
        assertThat(r).hasStatusOk().hasContentType(MediaType.APPLICATION_JSON);
        assertThat(json(r)).isEqualTo(Map.of("name", "widget", "qty", 3));
    }

    @Test
    void recordBodyIsThePayloadAndTheResultConvertsToTheRecord() {
        MvcTestResult r = mvc.post().uri("/mvc/record").contentType(MediaType.APPLICATION_JSON)
                .content("{\"name\":\"bolt\",\"qty\":4}").exchange();
        assertThat(r).hasStatusOk();
        assertThat(json(r)).isEqualTo(Map.of("name", "bolt", "qty", 4));
    }

    @Test
    void monoReturnTypesAreServedBySpringMvcsReactiveSupport() {
        MvcTestResult r = mvc.get().uri("/mvc/mono?name=m&qty=7").exchange();
        assertThat(r).hasStatusOk();
        assertThat(json(r)).isEqualTo(Map.of("name", "m", "qty", 7));
    }

    @Test
    void validationFailuresAre400BeforeAnyCall() {
        long calls = moltClient.stats().calls();
        assertThat(mvc.post().uri("/mvc/record").contentType(MediaType.APPLICATION_JSON)
                .content("{\"name\":\"\",\"qty\":-1}")).hasStatus(400);
        assertThat(mvc.post().uri("/mvc/record").contentType(MediaType.APPLICATION_JSON).content("{not json"))
                .hasStatus(400);
        assertThat(moltClient.stats().calls()).isEqualTo(calls);
    }

    @Test
    void responseEntityAndResponseStatusAreHonoured() {
        MvcTestResult entity = mvc.post().uri("/mvc/entity").contentType(MediaType.APPLICATION_JSON)
                .content("{\"name\":\"nut\",\"qty\":1}").exchange();
        assertThat(entity).hasStatusOk();
        assertThat(json(entity)).isEqualTo(Map.of("name", "nut", "qty", 1));
        MvcTestResult created = mvc.post().uri("/mvc/created").contentType(MediaType.APPLICATION_JSON)
                .content("{\"name\":\"nut\",\"qty\":2}").exchange();
        assertThat(created).hasStatus(201);
        assertThat(json(created)).isEqualTo(Map.of("name", "nut", "qty", 2));
    }

    @Test
    void jsonResultsArePassedThroughUntouched() {
        MvcTestResult r = mvc.get().uri("/mvc/passthrough").exchange();
        assertThat(r).hasStatusOk().hasContentType(MediaType.APPLICATION_JSON);
        assertThat(r.getResponse().getContentAsByteArray())
                .isEqualTo(MvcTestApp.RawJsonPayload.JSON.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void decodeResponseFalseWritesTheResultBytesWithTheirCodec() {
        MvcTestResult r = mvc.get().uri("/mvc/raw?name=x").exchange();
        assertThat(r).hasStatusOk().hasContentType("application/msgpack");
        assertThat(Payloads.decode(Codec.MSGPACK, r.getResponse().getContentAsByteArray())).isEqualTo(Map.of("name", "x"));
    }

    @Test
    void responseFactoryMakesTheResponse() {
        MvcTestResult r = mvc.get().uri("/mvc/factory?name=y").exchange();
        assertThat(r).hasStatus(201).hasHeader("X-Molt-Entry", "echo");
        assertThat(json(r)).isEqualTo(Map.of("echoed", Map.of("name", "y")));
    }

    @Test
    void hooksByBeanNameAndByClassSeeTheCall() {
        MvcTestApp.Hooks.SENT.clear();
        MvcTestApp.Hooks.RECEIVED.clear();
        MvcTestApp.Hooks.METRICS.clear();
        assertThat(mvc.get().uri("/mvc/hooks?name=h")).hasStatusOk();
        assertThat(MvcTestApp.Hooks.SENT).singleElement().satisfies(e -> assertThat(e.entry()).isEqualTo("echo"));
        assertThat(MvcTestApp.Hooks.RECEIVED).singleElement()
                .satisfies(e -> assertThat(e.status()).isEqualTo(dev.molt.accel.protocol.Status.OK));
        assertThat(MvcTestApp.Hooks.METRICS).singleElement()
                .satisfies(m -> assertThat(m).containsKeys("client_ms", "payload_bytes", "response_bytes"));
    }

    @Test
    void listItemsContract() {
        MvcTestResult r = mvc.get().uri("/mvc/list?user_id=7&q=ab&limit=3").exchange();
        assertThat(r).hasStatusOk().hasContentType(MediaType.APPLICATION_JSON);
        Map<String, Object> body = json(r);
        assertThat((List<?>) body.get("items")).hasSize(3);
        assertThat(body.get("next_cursor")).isEqualTo("7:3");
        @SuppressWarnings("unchecked")
        Map<String, Object> first = ((List<Map<String, Object>>) body.get("items")).get(0);
        assertThat(first).containsEntry("id", 7002).containsEntry("title", "Item 7002").containsEntry("status", "open");

        assertThat((List<?>) json(mvc.get().uri("/mvc/list?user_id=1&limit=9999").exchange()).get("items")).hasSize(500);
        assertThat((List<?>) json(mvc.get().uri("/mvc/list?user_id=1&limit=0").exchange()).get("items")).hasSize(1);
        assertThat((List<?>) json(mvc.get().uri("/mvc/list?user_id=1&limit=abc").exchange()).get("items")).hasSize(50);

        MvcTestResult missing = mvc.get().uri("/mvc/list").exchange();
        assertError(missing, 400, "MoltInvalidInput", "user_id is required");
        assertError(mvc.get().uri("/mvc/list?user_id=x1").exchange(), 400, "MoltInvalidInput",
                "user_id must be an integer, got 'x1'");
    }

    @Test
    void computeContract() {
        assertThat(json(mvc.get().uri("/mvc/compute?values=1,2,3.5&scale=2&offset=1").exchange()))
                .isEqualTo(Map.of("count", 3, "sum", 16.0, "scaled", List.of(3.0, 5.0, 8.0)));
        assertThat(json(mvc.post().uri("/mvc/compute").contentType(MediaType.APPLICATION_JSON)
                .content("{\"values\":[1,2],\"scale\":3}").exchange()))
                .isEqualTo(Map.of("count", 2, "sum", 9.0, "scaled", List.of(3.0, 6.0)));
        assertError(mvc.get().uri("/mvc/compute?values=1,x").exchange(), 400, "MoltInvalidInput",
                "values[1] is not a number: 'x'");
        assertError(mvc.get().uri("/mvc/compute?values=1&scale=big").exchange(), 400, "MoltInvalidInput",
                "scale is not a number: 'big'");
    }

    @Test
    void offloadTableContract() {
        assertThat(json(mvc.get().uri("/mvc/table").exchange())).containsEntry("rows", 10000);
        assertThat(json(mvc.get().uri("/mvc/table?rows=999999").exchange())).containsEntry("rows", 50000);
        assertThat(json(mvc.get().uri("/mvc/table?rows=-5").exchange())).containsEntry("rows", 1);
        Map<String, Object> nonInteger = json(mvc.get().uri("/mvc/table?rows=many").exchange());
        assertThat(nonInteger).containsEntry("rows", 10000);
        assertThat((List<?>) nonInteger.get("sample")).hasSize(8);
    }

    @Test
    void directCallsBlockAndReturnTheDeclaredType() {
        assertThat(controller.echo("direct", 5)).isEqualTo(Map.of("name", "direct", "qty", 5));
        assertThat(echoService.echo(new MvcTestApp.Item("svc", 6))).isEqualTo(new MvcTestApp.Item("svc", 6));
    }

    // ------------------------------------------------------------------ failures (PROTOCOL.md section 11)

    @Test
    void timeoutIs504() {
        assertError(mvc.get().uri("/mvc/sleep?ms=5000").exchange(), 504, "MoltTimeout",
                "The worker did not answer in time.");
    }

    @Test
    void internalErrorIs500WithAGenericDetail() throws Exception {
        MvcTestResult r = mvc.get().uri("/mvc/fail?message=secret-db-password").exchange();
        assertError(r, 500, "MoltInternalError", "The worker failed to process the request.");
        assertThat(r.getResponse().getContentAsString()).doesNotContain("secret").doesNotContain("Exception");
    }

    @Test
    void crashIs503WithRetryAfterAndTheNextRequestRecovers() {
        MvcTestResult r = mvc.get().uri("/mvc/crash").exchange();
        assertError(r, 503, "MoltWorkerUnavailable", "The worker is unavailable; retry later.");
        assertThat(r).hasHeader("Retry-After", "1");
        assertThat(mvc.get().uri("/mvc/echo?name=after-crash")).hasStatusOk();
    }

    @Test
    void garbageIs502() {
        assertError(mvc.get().uri("/mvc/garbage").exchange(), 502, "MoltProtocolError",
                "The worker sent an invalid response.");
        assertThat(mvc.get().uri("/mvc/echo?name=after-garbage")).hasStatusOk();
    }

    @Test
    void malformedRequestsAreClean4xxWithTheJsonErrorBody() {
        assertError(mvc.post().uri("/mvc/compute").contentType(MediaType.APPLICATION_JSON).content("{\"values\": [1,").exchange(),
                400, "MoltInvalidInput", "The request body could not be read.");
        assertError(mvc.post().uri("/mvc/compute").contentType(MediaType.TEXT_PLAIN).content("values=1").exchange(),
                415, "MoltInvalidInput", "Unsupported content type.");
        String deep = "{\"values\":" + "[".repeat(1_010) + "]".repeat(1_010) + "}";
        assertError(mvc.post().uri("/mvc/compute").contentType(MediaType.APPLICATION_JSON).content(deep).exchange(),
                400, "MoltInvalidInput", "The request body could not be read.");
        byte[] notUtf8 = {'{', '"', 'v', 'a', 'l', 'u', 'e', 's', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'};
        MvcTestResult r = mvc.post().uri("/mvc/compute").contentType(MediaType.APPLICATION_JSON).content(notUtf8).exchange();
        assertThat(r.getResponse().getStatus()).isBetween(400, 499);
        assertThat(json(r)).containsEntry("error", "MoltInvalidInput");
        assertError(mvc.post().uri("/mvc/record").contentType(MediaType.APPLICATION_JSON).content("[1,2]").exchange(),
                400, "MoltInvalidInput", "The request body could not be read.");
    }

    @Test
    void invalidInputFromTheWorkerIs400() {
        assertError(mvc.get().uri("/mvc/unknown").exchange(), 400, "MoltInvalidInput",
                "The worker rejected the input.");
    }

    @Test
    void cancelCheckReadingTheRequestCancelsWith499() {
        long before = probe.cancels("sleep");
        MvcTestResult r = mvc.get().uri("/mvc/cancellable?ms=20000&cooperative=true").header("X-Cancel", "yes")
                .exchange(Duration.ofSeconds(30));
        assertError(r, 499, "MoltCancelled", "The request was cancelled.");
        // the 499 may be written before the client tells its listeners of the cancel
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.cancels("sleep") > before);
        assertThat(mvc.get().uri("/mvc/cancellable?ms=1&cooperative=true")).hasStatusOk();
    }

    /**
     * The busy worker runs one call and queues one: once the first call runs (its file line is
     * written) and a second one waits, further calls are answered Busy.
     */
    @Test
    void busyIs429Or503AsConfiguredAndRetryOnBusyWaitsForRoom() throws Exception {
        Path file = tmp.resolve("busy.txt");
        MvcResult running = mockMvc.perform(get("/mvc/busy-touch?file=" + file + "&sleep_ms=1500")).andReturn();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file) && !Files.readAllLines(file).isEmpty());
        MvcResult queued = mockMvc.perform(get("/mvc/busy?ms=10")).andReturn();
        MvcResult busy = mockMvc.perform(get("/mvc/busy?ms=10")).andReturn();
        MvcResult busy503 = mockMvc.perform(get("/mvc/busy503?ms=10")).andReturn();
        MvcResult retried = mockMvc.perform(get("/mvc/busy-retry?ms=10")).andReturn();

        MvcTestResult busyAnswer = mvc.perform(asyncDispatch(busy));
        assertError(busyAnswer, 429, "MoltBusy", "The worker is busy; retry later.");
        assertThat(busyAnswer).hasHeader("Retry-After", "1");
        MvcTestResult busy503Answer = mvc.perform(asyncDispatch(busy503));
        assertError(busy503Answer, 503, "MoltBusy", "The worker is busy; retry later.");
        assertThat(busy503Answer).hasHeader("Retry-After", "1");
        assertThat(mvc.perform(asyncDispatch(retried))).hasStatusOk();
        assertThat(mvc.perform(asyncDispatch(running))).hasStatusOk();
        assertThat(mvc.perform(asyncDispatch(queued))).hasStatusOk();
    }

    @Test
    void oversizedBodiesAre413BeforeAnyCall() {
        long calls = moltClient.stats().calls();
        String big = "{\"name\":\"" + "x".repeat(4000) + "\",\"qty\":1}";
        assertError(mvc.post().uri("/mvc/record").contentType(MediaType.APPLICATION_JSON).content(big).exchange(),
                413, "MoltPayloadTooLarge", "Request of " + big.length() + " bytes exceeds the limit of 2048 bytes");
        assertThat(mvc.get().uri("/mvc/echo?name=" + "y".repeat(3000)).exchange()).hasStatus(413);
        assertThat(moltClient.stats().calls()).isEqualTo(calls);
    }

    // ------------------------------------------------------------------ retries, restarts, fallback, modes

    @Test
    void idempotentCallsAreResentAfterTheWorkerDied() throws Exception {
        Path file = tmp.resolve("idempotent.txt");
        MvcTestResult r = mvc.get().uri("/mvc/touch?file=" + file + "&crash_if_first=true").exchange();
        assertThat(r).hasStatusOk();
        assertThat(json(r)).containsEntry("count", 2);
        assertThat(Files.readAllLines(file)).hasSize(2);
    }

    @Test
    void nonIdempotentCallsAreNotResent() throws Exception {
        Path file = tmp.resolve("once.txt");
        assertThat(mvc.get().uri("/mvc/touch-once?file=" + file + "&crash_if_first=true")).hasStatus(503);
        assertThat(Files.readAllLines(file)).hasSize(1);
    }

    @Test
    void retryOnTimeoutDoesNotResendPastTheCallsDeadline() throws Exception {
        // the timeout is the whole call's budget: a client-side timeout leaves no time for a retry
        Path file = tmp.resolve("timeouts.txt");
        assertError(mvc.get().uri("/mvc/touch-timeout?file=" + file + "&sleep_ms=2000").exchange(), 504,
                "MoltTimeout", "The worker did not answer in time.");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Files.exists(file)).isTrue());
        assertThat(Files.readAllLines(file)).hasSize(1);
    }

    @Test
    void fallbackRunsTheMethodBody() {
        MvcTestResult crash = mvc.get().uri("/mvc/fallback/crash?code=4").exchange();
        assertThat(crash).hasStatusOk();
        assertThat(json(crash)).isEqualTo(Map.of("fallback", true, "code", 4));
        MvcTestResult timeout = mvc.get().uri("/mvc/fallback/timeout?ms=3000").exchange();
        assertThat(timeout).hasStatus(202);
        assertThat(json(timeout)).isEqualTo(Map.of("fallback", "timeout"));
        assertThat(mvc.get().uri("/mvc/fallback/invalid")).hasStatus(400);
    }

    @Test
    void sharedModeKeepsOneWorkerAndPerRequestModeStartsOnePerCall() {
        int a = ((Number) json(mvc.get().uri("/mvc/count").exchange()).get("count")).intValue();
        int b = ((Number) json(mvc.get().uri("/mvc/count").exchange()).get("count")).intValue();
        assertThat(b).isEqualTo(a + 1);
        for (int i = 0; i < 2; i++) {
            MvcTestResult r = mvc.get().uri("/mvc/count-per-request").exchange(Duration.ofSeconds(30));
            assertThat(r).hasStatusOk();
            assertThat(json(r)).containsEntry("count", 1);
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(TestWorkers.descendants())
                .containsExactlyInAnyOrderElementsOf(livePids()));
    }

    // ------------------------------------------------------------------ metrics and health

    @Test
    void metricsAndHealth() throws Exception {
        assertThat(mvc.get().uri("/mvc/echo?name=m")).hasStatusOk();
        assertThat(mvc.get().uri("/mvc/fail?message=m")).hasStatus(500);
        // an async call's outcome reaches the listener (the timer) after its future completed the response
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(meters.find("molt.accel.calls").tag("entry", "echo").tag("outcome", "ok").timer())
                    .isNotNull().satisfies(t -> assertThat(t.count()).isPositive());
            assertThat(meters.find("molt.accel.calls").tag("entry", "fail").tag("outcome", "MoltInternalError").timer())
                    .isNotNull();
        });
        assertThat(meters.find("molt.accel.worker.queue").tag("entry", "echo").summary()).isNotNull();
        assertThat(meters.find("molt.accel.worker.exec").tag("entry", "echo").summary()).isNotNull();
        assertThat(meters.find("molt.accel.calls.in.flight").gauge()).isNotNull();
        assertThat(meters.find("molt.accel.restarts").counter()).isNotNull();

        MvcTestResult health = mvc.get().uri("/actuator/health/molt").exchange();
        assertThat(health).hasStatusOk();
        assertThat(json(health)).containsEntry("status", "UP");

        MvcTestResult prometheus = mvc.get().uri("/actuator/prometheus").exchange();
        assertThat(prometheus).hasStatusOk();
        assertThat(prometheus.getResponse().getContentAsString()).contains("molt_accel_calls_seconds_count");
    }

    // ------------------------------------------------------------------ helpers

    private List<Long> livePids() {
        List<Long> pids = new ArrayList<>(moltClient.stats().pids());
        pids.addAll(busyClient.stats().pids());
        return pids;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(MvcTestResult r) {
        return (Map<String, Object>) Payloads.decode(Codec.JSON, r.getResponse().getContentAsByteArray());
    }

    static void assertError(MvcTestResult r, int status, String code, String detail) {
        assertThat(r).hasStatus(status).hasContentType(MediaType.APPLICATION_JSON);
        assertThat(json(r)).isEqualTo(Map.of("error", code, "detail", detail));
    }
}
