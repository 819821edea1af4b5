package dev.molt.accel.demo.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.MoltClient;
import dev.molt.accel.demo.DemoApplication;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.MoltOffloadContext;
import dev.molt.accel.spring.MoltPayloadBuilder;
import dev.molt.accel.test.worker.TestWorker;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Chaos under load: the demo app over real HTTP at a steady 200 requests/s for 30 s while a worker
 * is killed (SIGKILL), made to emit a garbage frame, or stalled (SIGSTOP) every 2 s. Every request
 * must get a clean answer in time; idempotent calls mostly succeed; non-idempotent calls never run
 * twice. Figures go to {@code target/reliability/chaos-<fault>.json} and the log.
 *
 * <p>Tagged {@code chaos}: it takes two minutes of a quiet machine and is not part of the default
 * build. Run it with {@code mvn -B -pl demo -am verify -Pchaos -DskipITs}
 * ({@code -Dmolt.chaos.seconds=N} changes the length of each run).
 */
@Tag("chaos")
@SpringBootTest(classes = {DemoApplication.class, ChaosTest.ChaosEndpoints.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"molt.accel.pool-size=2", "management.endpoint.health.show-details=always"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosTest {

    static final int RATE = 200;
    static final Duration LENGTH = Duration.ofSeconds(Integer.getInteger("molt.chaos.seconds", 30));
    static final Duration FAULT_EVERY = Duration.ofSeconds(2);
    static final Duration TIMEOUT = Duration.ofMillis(250);
    static final Path COUNT_FILE = createCountFile();

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        registry.add("molt.accel.worker.command-line", () -> String.join(" ", TestWorker.command("--stdio")));
    }

    @LocalServerPort
    int port;

    @Autowired
    MoltClient client;

    private static boolean warm;

    @BeforeEach
    void bothWorkersReadyAndWarm() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> client.stats().workers() == 2);
        if (!warm) {
            // the same traffic without faults first: the first second of a cold JVM is JIT time
            new ChaosRun("warm-up", port, RATE, Duration.ofSeconds(5), TIMEOUT, COUNT_FILE)
                    .execute(Duration.ofHours(1), () -> 0L);
            warm = true;
        }
    }

    @AfterAll
    static void removeCountFile() throws IOException {
        Files.deleteIfExists(COUNT_FILE);
    }

    @Test
    @Order(1)
    void killAWorkerEveryTwoSeconds() throws Exception {
        ChaosRun run = new ChaosRun("kill", port, RATE, LENGTH, TIMEOUT, COUNT_FILE);
        ChaosRun.Result r = run.execute(FAULT_EVERY, () -> {
            long pid = victim();
            Signals.send(pid, "KILL");
            return pid;
        });
        assertCleanRun(r, 200, 503, 504);
    }

    @Test
    @Order(2)
    void garbageFrameEveryTwoSeconds() throws Exception {
        ChaosRun run = new ChaosRun("garbage", port, RATE, LENGTH, TIMEOUT, COUNT_FILE);
        ChaosRun.Result r = run.execute(FAULT_EVERY, () -> {
            long pid = victim();
            // write straight into the worker's stdout pipe: the client reads bytes that are no frame
            try (OutputStream out = new FileOutputStream("/proc/" + pid + "/fd/1")) {
                out.write(new byte[] {8, 0, 0, 0, (byte) 0xc1, (byte) 0xc1, (byte) 0xc1, (byte) 0xc1, (byte) 0xc1,
                        (byte) 0xc1, (byte) 0xc1, (byte) 0xc1});
            }
            return pid;
        });
        // a call in flight on a worker whose output turned to garbage fails as a protocol error (502)
        // when it may not be re-sent; idempotent calls are re-sent on the other worker
        assertCleanRun(r, 200, 502, 503, 504);
    }

    @Test
    @Order(3)
    void stallAWorkerEveryTwoSeconds() throws Exception {
        ChaosRun run = new ChaosRun("stall", port, RATE, LENGTH, TIMEOUT, COUNT_FILE);
        ChaosRun.Result r;
        List<Long> stopped = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            r = run.execute(FAULT_EVERY, () -> {
                long pid = victim();
                Signals.send(pid, "STOP");
                stopped.add(pid);
                return pid;
            });
        } finally {
            for (long pid : stopped) {
                Signals.sendQuietly(pid, "CONT");
            }
        }
        assertCleanRun(r, 200, 503, 504);
    }

    /** The checks every fault shares: clean statuses, answers in time, retries, at-most-once, recovery. */
    private static void assertCleanRun(ChaosRun.Result r, Integer... statuses) throws java.io.IOException {
        r.report();
        r.assertOnlyStatuses(statuses);
        r.assertNoneLaterThan(TIMEOUT.plusMillis(250));
        r.assertIdempotentSuccessAtLeast(0.99);
        r.assertNonIdempotentNeverTwice();
        r.assertRecoveryWithin(Duration.ofMillis(1500));
    }

    /** One of the workers taking calls now. */
    private long victim() {
        List<Long> pids = client.stats().pids();
        assertThat(pids).as("a worker to hit").isNotEmpty();
        return pids.get((int) (System.nanoTime() % pids.size()));
    }

    private static Path createCountFile() {
        try {
            Path p = Files.createTempFile("molt-chaos-executions", ".txt");
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A non-idempotent offloaded endpoint whose executions the worker counts in a file. */
    @RestController
    static class ChaosEndpoints {

        @GetMapping("/chaos/once")
        @MoltOffload(entry = "touch", timeoutMs = 250, payloadBuilder = TouchPayload.class)
        public Map<String, Object> once() {
            throw new IllegalStateException("served by the worker");
        }
    }

    /** {@code {"file": <count file>}}: each execution appends one line. */
    public static final class TouchPayload implements MoltPayloadBuilder {
        @Override
        public Object build(MoltOffloadContext context) {
            return Map.of("file", COUNT_FILE.toString());
        }
    }
}
