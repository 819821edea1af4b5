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
    private static final long PROMPT_MS = 2_000;

    @ParameterizedTest
    @ValueSource(strings = {"MOLT_FAKE_DB_CPU_ITERS=1000000000000", "MOLT_FAKE_DB_DECODE_US_PER_ROW=600000000"})
    void timedOutCallsStopBurningTheirThreads(String setting) {
        String[] kv = setting.split("=", 2);
        try (WorkerProcess w = WorkerProcess.start(MoltWorkerMain.class.getName(), Map.of(kv[0], kv[1]),
                "--threads", "2")) {
            FrameChannel c = w.channel;
            assertThat(c.call(ping(1)).status()).as("worker ready").isEqualTo(Status.OK);

            c.send(Wire.MSGPACK, msgpack(2, "list_items", 1_000, map("user_id", 1, "limit", 1)));
            c.send(Wire.MSGPACK, msgpack(3, "list_items", 1_000, map("user_id", 2, "limit", 1)));
            // queued behind both: it needs one of their threads
            c.send(Wire.MSGPACK, Requests.json(4, "health", 10_000, Map.of()));

            List<ResponseEnvelope> timeouts = c.next(2);
            long timedOutAt = System.nanoTime();
            assertThat(timeouts).extracting(ResponseEnvelope::requestId).containsExactlyInAnyOrder(2L, 3L);
            assertThat(timeouts).extracting(ResponseEnvelope::status).containsOnly(Status.TIMEOUT);

            ResponseEnvelope health = c.next();
            long healthMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - timedOutAt);
            assertThat(health.requestId()).isEqualTo(4L);
            assertThat(health.status()).as(health.toString()).isEqualTo(Status.OK);
            assertThat(Requests.result(health)).isEqualTo(Map.of("ok", true));
            assertThat(healthMs).as("health answered after the timed-out calls gave their threads back")
                    .isLessThan(PROMPT_MS);

            // and the threads stay usable
            assertThat(c.call(Wire.MSGPACK, msgpack(5, "compute", 5_000, map("values", "1,2", "scale", 2))).status())
                    .isEqualTo(Status.OK);
            w.closeInputAndAwaitEof();
            assertThat(w.awaitExit(EXIT)).isZero();
        }
    }
}
