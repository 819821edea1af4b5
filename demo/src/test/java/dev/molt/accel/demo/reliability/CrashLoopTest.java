package dev.molt.accel.demo.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.demo.DemoApplication;
import dev.molt.accel.test.worker.TestWorker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A worker that dies at every start: the application still starts, calls fail fast with 503,
 * restarts back off instead of spinning, health is DOWN, and everything recovers once the worker
 * can start again.
 */
@SpringBootTest(classes = DemoApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"molt.accel.worker.restart-backoff=20ms", "molt.accel.worker.restart-backoff-max=2s"})
class CrashLoopTest {

    static final Path CRASH_FLAG = tempFile("molt-crash-flag", true);
    static final Path START_LOG = tempFile("molt-starts", false);

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        registry.add("molt.accel.worker.command-line", () -> String.join(" ", TestWorker.command("--stdio")));
        registry.add("molt.accel.worker.environment.MOLT_TEST_CRASH_IF_FILE", CRASH_FLAG::toString);
        registry.add("molt.accel.worker.environment.MOLT_TEST_START_LOG", START_LOG::toString);
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterAll
    static void cleanUp() throws IOException {
        Files.deleteIfExists(CRASH_FLAG);
        Files.deleteIfExists(START_LOG);
    }

    @Test
    void crashLoopFailsFastBacksOffReportsDownAndRecovers() throws Exception {
        long startsBefore = starts();
        List<Long> latencies = new ArrayList<>();
        long end = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        int requests = 0;
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = get("/offload/?user_id=1");
            latencies.add((System.nanoTime() - t0) / 1_000_000);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).startsWith("{\"error\":\"MoltWorkerUnavailable\"");
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            requests++;
            LockSupport.parkNanos(Duration.ofMillis(25).toNanos()); // pacing, not synchronisation
        }
        long starts = starts() - startsBefore;
        latencies.sort(null);
        long p50 = latencies.get(latencies.size() / 2);
        System.out.println("CrashLoopTest: " + requests + " requests in 4 s, all 503, p50 " + p50 + " ms, max "
                + latencies.get(latencies.size() - 1) + " ms; worker starts during them: " + starts);
        assertThat(p50).as("503s come fast").isLessThan(100);
        assertThat(starts).as("restarts back off (requests: %d)", requests).isBetween(1L, 20L);
        assertThat(get("/actuator/health").statusCode()).isEqualTo(503);
        assertThat(get("/actuator/health").body()).contains("\"status\":\"DOWN\"");

        Files.delete(CRASH_FLAG);
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> get("/offload/?user_id=1").statusCode() == 200);
        System.out.println("CrashLoopTest: serving 200 again " + (System.nanoTime() - t0) / 1_000_000
                + " ms after the worker could start");
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/actuator/health").statusCode() == 200);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long starts() throws IOException {
        if (!Files.exists(START_LOG)) {
            return 0;
        }
        try (var lines = Files.lines(START_LOG)) {
            return lines.count();
        }
    }

    private static Path tempFile(String prefix, boolean keep) {
        try {
            Path p = Files.createTempFile(prefix, ".txt");
            if (!keep) {
                Files.delete(p);
            }
            return p;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
