package dev.molt.accel.worker;

import static dev.molt.accel.worker.Requests.map;
import static dev.molt.accel.worker.Requests.msgpack;
import static dev.molt.accel.worker.Requests.ping;
import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bundled worker's demo exports stop when their request times out: two {@code list_items} calls
 * whose single row costs minutes of simulated database work (CPU iterations or the per-row decode
 * busy-wait) time out at 1 s and give their worker threads back, so a {@code health} call queued
 * behind them is answered at once instead of waiting minutes (or timing out itself).
 */
class DemoExportsCancellationTest {

    private static final Duration EXIT = Duration.ofSeconds(60);
    /** Generous for a loaded 2-core machine; an export that ignores its deadline holds the threads for minutes. */
    private static final long PROMPT_MS = 4_000;

    @ParameterizedTest
    @ValueSource(strings = {"MOLT_FAKE_DB_CPU_ITERS=1000000000000", "MOLT_FAKE_DB_DECODE_US_PER_ROW=600000000"})
    void timedOutCallsStopBurningTheirThreads(String setting) {
        String[] kv = setting.split("=", 2);
        try (WorkerProcess w = WorkerProcess.start(MoltWorkerMain.class.getName(), Map.of(kv[0], kv[1]),
                "--threads", "2")) {
            FrameChannel c = w.channel;
            assertThat(c.call(ping(1)).status()).as("worker ready").isEqualTo(Status.OK);

            long sentAt = System.nanoTime();
            c.send(Wire.MSGPACK, msgpack(2, "list_items", 1_000, map("user_id", 1, "limit", 1)));
            c.send(Wire.MSGPACK, msgpack(3, "list_items", 1_000, map("user_id", 2, "limit", 1)));
            // queued behind both: it needs one of their threads
            c.send(Wire.MSGPACK, Requests.json(4, "health", 10_000, Map.of()));

            // on a loaded machine the second call may start late and time out after health is answered,
            // so the answers are matched by id, not by order
            Map<Long, ResponseEnvelope> answers = new java.util.HashMap<>();
            long healthMs = -1;
            while (answers.size() < 3) {
                ResponseEnvelope r = c.next();
                answers.put(r.requestId(), r);
                if (r.requestId() == 4) {
                    healthMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
                }
            }
            assertThat(answers.keySet()).containsExactlyInAnyOrder(2L, 3L, 4L);
            assertThat(answers.get(2L).status()).isEqualTo(Status.TIMEOUT);
            assertThat(answers.get(3L).status()).isEqualTo(Status.TIMEOUT);
            ResponseEnvelope health = answers.get(4L);
            assertThat(health.status()).as(health.toString()).isEqualTo(Status.OK);
            assertThat(Requests.result(health)).isEqualTo(Map.of("ok", true));
            assertThat(healthMs).as("health answered once a timed-out call gave its thread back")
                    .isLessThan(1_000 + PROMPT_MS);

            // and the threads stay usable
            assertThat(c.call(Wire.MSGPACK, msgpack(5, "compute", 5_000, map("values", "1,2", "scale", 2))).status())
                    .isEqualTo(Status.OK);
            w.closeInputAndAwaitEof();
            assertThat(w.awaitExit(EXIT)).isZero();
        }
    }
}
