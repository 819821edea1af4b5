package dev.molt.accel.demo.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.EndpointState;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.demo.DemoApplication;
import dev.molt.accel.test.worker.TestWorker;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The demo's default pool over three TCP workers on loopback (127.0.0.2-4), no child process:
 * 200 requests/s on {@code /offload/} (and 1 in 4 on a non-idempotent endpoint) for 30 s, one
 * worker SIGKILLed and started again on its address every 4 s, in turn. Targets: at least 99.9 %
 * 200 on {@code /offload/}, no answer slower than 1 s, and every restarted worker taking calls
 * again. Figures go to {@code target/reliability/chaos-endpoints-kill.json}. Tagged {@code chaos},
 * not in the default build: {@code mvn -B -pl demo -am verify -Pchaos -DskipITs -Dtest=EndpointsChaosTest}.
 */
@Tag("chaos")
@SpringBootTest(classes = {DemoApplication.class, ChaosTest.ChaosEndpoints.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"molt.accel.spare-workers=0", "molt.accel.worker.restart-backoff=20ms",
                "molt.accel.worker.restart-backoff-max=250ms"})
class EndpointsChaosTest {

    static final int RATE = 200;
    static final Duration LENGTH = Duration.ofSeconds(Integer.getInteger("molt.chaos.seconds", 30));
    static final Duration EVERY = Duration.ofSeconds(4);
    static final Duration TIMEOUT = Duration.ofMillis(250);
    static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(30)).build();
    private static final String LISTENING = "molt-worker: listening on ";

    /** The three workers; a killed one is replaced here by its successor on the same address. */
    static final Worker[] WORKERS = new Worker[3];

    /** A worker process serving one TCP address (and stdio, so that it ends with this JVM). */
    static final class Worker {
        final String listen;
        final Process process;
        final StringBuffer stderr = new StringBuffer();

        Worker(String listen) {
            this.listen = listen;
            ProcessBuilder pb = new ProcessBuilder(TestWorker.command("--stdio", "--listen", listen));
            pb.environment().keySet().removeIf(k -> k.startsWith("MOLT_"));
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread t = new Thread(() -> {
                byte[] buf = new byte[4096];
                try (InputStream in = process.getErrorStream()) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        stderr.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    // gone
                }
            }, "chaos-worker-stderr");
            t.setDaemon(true);
            t.start();
        }

        String address() {
            String[] found = new String[1];
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
                assertThat(process.isAlive()).as(() -> "worker for " + listen + " alive: " + this).isTrue();
                for (String line : stderr.toString().split("\\R")) {
                    if (line.startsWith(LISTENING)) {
                        found[0] = line.substring(LISTENING.length()).trim();
                        return true;
                    }
                }
                return false;
            });
            return found[0];
        }

        /** Pid, address, whether alive (else its exit status) and the tail of its stderr, for a failure message. */
        @Override
        public String toString() {
            String state = process.isAlive() ? "alive" : "exited with status " + process.exitValue();
            String err = stderr.toString();
            String tail = err.length() > 2000 ? "..." + err.substring(err.length() - 2000) : err;
            return "worker pid " + process.pid() + " for " + listen + " " + state + ", stderr:\n" + tail.strip();
        }

        void close() {
            try {
                process.getOutputStream().close();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (IOException e) {
                process.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    static final List<String> ADDRESSES = new ArrayList<>();

    @DynamicPropertySource
    static void endpoints(DynamicPropertyRegistry registry) {
        for (int i = 0; i < 3; i++) {
            WORKERS[i] = new Worker("tcp://127.0.0." + (2 + i) + ":0");
        }
        for (Worker w : WORKERS) {
            ADDRESSES.add(w.address());
        }
        registry.add("molt.accel.endpoints", () -> String.join(",", ADDRESSES));
    }

    @AfterAll
    static void stopWorkers() {
        for (Worker w : WORKERS) {
            if (w != null) {
                w.close();
            }
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    MoltClient client;

    private long up() {
        return client.endpoints().stream().filter(e -> e.state() == EndpointState.State.UP).count();
    }

    @SuppressWarnings("unchecked")
    private static long count(String endpoint) {
        try (MoltClient direct = MoltClient.builder().endpoints(endpoint).build()) {
            return ((Number) ((Map<String, Object>) direct.call("stats", Map.of(), SLOW).value()).get("count")).longValue();
        }
    }

    /** What the client and the workers say, for a failure message. */
    private String state() {
        StringBuilder b = new StringBuilder("3 endpoints UP and 3 workers; endpoints ").append(client.endpoints())
                .append(", ").append(client.stats());
        for (Worker w : WORKERS) {
            b.append("\n").append(w);
        }
        return b.toString();
    }

    @Test
    void killOneOfThreeWorkersAndStartItAgainEveryFourSeconds() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> up() == 3 && client.stats().workers() == 3);
        assertThat(ProcessHandle.current().children().count()).as("only the three workers of this test")
                .isEqualTo(3);
        new ChaosRun("warm-up", port, RATE, Duration.ofSeconds(5), TIMEOUT, ChaosTest.COUNT_FILE)
                .execute(Duration.ofHours(1), () -> 0L);
        AtomicInteger next = new AtomicInteger();
        List<Long> upAtFault = new ArrayList<>();
        ChaosRun.Result r = new ChaosRun("endpoints-kill", port, RATE, LENGTH, TIMEOUT, ChaosTest.COUNT_FILE)
                .execute(EVERY, () -> {
                    upAtFault.add(up());
                    int i = next.getAndIncrement() % 3;
                    Worker old = WORKERS[i];
                    long pid = old.process.pid();
                    try {
                        old.process.destroyForcibly(); // SIGKILL
                        assertThat(old.process.waitFor(10, TimeUnit.SECONDS)).as("killed worker gone: " + old).isTrue();
                    } finally {
                        // the same address again, whatever happened above; its JVM starts meanwhile
                        WORKERS[i] = new Worker(ADDRESSES.get(i));
                    }
                    return pid;
                });
        r.report();
        Map<Integer, Long> idempotent = r.statuses(ChaosRun.IDEMPOTENT);
        System.out.println("endpoints-kill: /offload/ " + idempotent + ", all " + r.statuses(null) + ", endpoints up at each fault "
                + upAtFault + ", max " + r.maxMicros() / 1000 + " ms, stats " + client.stats());
        assertThat(r.faults).hasSizeGreaterThanOrEqualTo(6);
        assertThat(r.faults).as("every fault started (%s) also finished", upAtFault.size()).hasSameSizeAs(upAtFault);
        // every worker was killed and started again at least once: each restarted process listens
        // on its old address again (else: its exit status and stderr) ...
        for (int i = 0; i < 3; i++) {
            assertThat(WORKERS[i].address()).as("address of " + WORKERS[i]).isEqualTo(ADDRESSES.get(i));
        }
        // ... and the client takes each back and gives it calls
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(up() == 3 && client.stats().workers() == 3)
                        .as(this::state).isTrue());
        for (int i = 0; i < 300; i++) {
            client.call("count", Map.of(), SLOW);
        }
        for (String a : ADDRESSES) {
            assertThat(count(a)).as("calls run by the restarted worker at " + a).isPositive();
        }
        // the answers' checks and the targets last, so that a run starved of CPU still says whether
        // the restarted workers came back
        r.assertOnlyStatuses(200, 503, 504);
        r.assertNonIdempotentNeverTwice();
        r.assertNoneLaterThan(Duration.ofSeconds(1));
        r.assertIdempotentSuccessAtLeast(0.999);
    }
}
