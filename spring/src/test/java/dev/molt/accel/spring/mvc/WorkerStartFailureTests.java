package dev.molt.accel.spring.mvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.testsupport.FlakyStartWorker;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/**
 * A worker that cannot start never stops the application: it starts, health is DOWN, offloaded
 * endpoints answer 503 (or fall back), and once the worker can start the next request succeeds.
 */
@SpringBootTest(classes = MvcTestApp.class, properties = {
    "molt.accel.worker.restart-backoff=10ms",
    "molt.accel.worker.restart-backoff-max=50ms",
    "management.endpoint.health.show-details=always",
})
@AutoConfigureMockMvc
@DirtiesContext
class WorkerStartFailureTests {

    private static final Path GATE_DIR = tempDir();
    private static final Path GATE = GATE_DIR.resolve("gate");

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        TestWorkers.register(registry, TestWorkers.javaCommand(FlakyStartWorker.class));
        registry.add("molt.accel.worker.environment.MOLT_TEST_GATE", GATE::toString);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        Files.deleteIfExists(GATE);
        Files.deleteIfExists(GATE_DIR);
    }

    @Autowired
    MockMvcTester mvc;

    @Autowired
    MoltClient moltClient;

    @Test
    void theApplicationStartsAnswers503AndRecoversOnceTheWorkerCanStart() throws IOException {
        assertThat(moltClient.stats().workers()).isZero();
        assertThat(moltClient.stats().lastFailure()).contains("did not become ready");

        MvcTestResult health = mvc.get().uri("/actuator/health/molt").exchange();
        assertThat(health).hasStatus(503);
        assertThat(MvcOffloadTests.json(health)).containsEntry("status", "DOWN");

        MvcTestResult unavailable = mvc.get().uri("/mvc/echo?name=a").exchange();
        MvcOffloadTests.assertError(unavailable, 503, "MoltWorkerUnavailable", "The worker is unavailable; retry later.");
        assertThat(unavailable).hasHeader("Retry-After", "1");
        MvcTestResult fallback = mvc.get().uri("/mvc/fallback/crash?code=2").exchange();
        assertThat(fallback).hasStatusOk();
        assertThat(MvcOffloadTests.json(fallback)).isEqualTo(Map.of("fallback", true, "code", 2));

        Files.createFile(GATE);
        // while the worker's JVM starts, a request may outlast the async wait (MockMvc then throws)
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() ->
                assertThat(mvc.get().uri("/mvc/echo?name=recovered")).hasStatusOk());
        assertThat(moltClient.stats().workers()).isEqualTo(1);
        MvcTestResult up = mvc.get().uri("/actuator/health/molt").exchange();
        assertThat(up).hasStatusOk();
        assertThat(MvcOffloadTests.json(up)).containsEntry("status", "UP");
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("molt-gate");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
