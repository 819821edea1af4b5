package dev.molt.accel.worker;

import static dev.molt.accel.worker.Requests.map;
import static dev.molt.accel.worker.Requests.msgpack;
import static dev.molt.accel.worker.Requests.ping;
import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Megabyte-sized numbers sent straight to the bundled worker's demo exports (no HTTP layer in
 * front): each is {@code InvalidInput} naming the field, in milliseconds, and quotes none of it.
 */
class DemoExportsHostileInputTest {

    private static final Duration EXIT = Duration.ofSeconds(60);
    private static final String MEGABYTE = "1".repeat(1 << 20);
    /** Generous for a loaded 2-core machine; the regex and BigInteger they replace took seconds. */
    private static final long BOUND_MS = 2_000;

    @Test
    void overlongNumbersAreInvalidInputInMilliseconds() {
        try (WorkerProcess w = WorkerProcess.main()) {
            FrameChannel c = w.channel;
            assertThat(c.call(ping(1)).status()).as("worker ready").isEqualTo(Status.OK);
            // warm the paths up: class loading is not what is measured
            assertThat(c.call(msgpack(2, "list_items", 0, map("user_id", 1, "limit", 1))).status()).isEqualTo(Status.OK);
            assertThat(c.call(msgpack(3, "compute", 0, map("values", "1"))).status()).isEqualTo(Status.OK);

            refused(c, msgpack(10, "list_items", 0, map("user_id", MEGABYTE)), "user_id is too long");
            refused(c, msgpack(11, "list_items", 0, map("user_id", 1, "limit", MEGABYTE)), "limit is too long");
            refused(c, msgpack(12, "compute", 0, map("values", List.of(1), "scale", MEGABYTE + "x")), "scale is too long");
            refused(c, msgpack(13, "compute", 0, map("values", "1," + MEGABYTE + "x")), "values[1] is too long");
            refused(c, msgpack(14, "compute", 0, map("values", List.of(MEGABYTE))), "values[0] is too long");
            refused(c, Requests.json(15, "offload_table", 0, Map.of("rows", "1".repeat(800 * 1024))), "rows is too long");
            // a msgpack uint64 beyond the long range decodes as a BigInteger: range-checked, not defaulted
            refused(c, msgpack(16, "list_items", 0, map("user_id", 1, "limit", BigInteger.TWO.pow(64).subtract(BigInteger.ONE))),
                    "limit is out of range");

            w.closeInputAndAwaitEof();
            assertThat(w.awaitExit(EXIT)).isZero();
        }
    }

    private static void refused(FrameChannel c, RequestEnvelope request, String errorPrefix) {
        long t0 = System.nanoTime();
        ResponseEnvelope r = c.call(request);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(r.status()).as(r.toString()).isEqualTo(Status.INVALID_INPUT);
        assertThat(r.error()).startsWith(errorPrefix).hasSizeLessThan(120).doesNotContain("1111");
        assertThat(ms).as("answered in milliseconds").isLessThan(BOUND_MS);
    }
}
