package dev.molt.accel.worker;

import static dev.molt.accel.worker.Requests.msgpack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Deadlines and cancels interrupt the handler's thread, and only while it runs that handler. */
class DeadlineInterruptTest {

    private static MoltWorker oneThread() {
        return MoltWorker.builder().threads(1).maxQueue(8).drainTimeout(Duration.ofSeconds(10))
                .exports(StubbornWorker.exports()).build();
    }

    @Test
    void blockedHandlersAreInterruptedAtTheDeadlineAndTheInterruptDoesNotLeak() {
        try (InProcessWorker w = new InProcessWorker(oneThread())) {
            long interruptedBefore = StubbornWorker.interruptedSoFar();
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                String entry = i % 2 == 0 ? "sleep" : "take";
                ResponseEnvelope r = w.channel.call(msgpack(2L * i + 1, entry, 50, Map.of("ms", 60_000)));
                assertThat(r.status()).isEqualTo(Status.TIMEOUT);
                // the one thread is free again: the next request runs at once and is not interrupted
                ResponseEnvelope next = w.channel.call(msgpack(2L * i + 2, "sleep", 0, Map.of("ms", 5)));
                assertThat(next.status()).as(next.toString()).isEqualTo(Status.OK);
                assertThat(Requests.result(next)).isEqualTo(Map.of("slept", 5));
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
                        .as("a 60 s block stopped at its 50 ms deadline").isLessThan(10_000L);
            }
            // each follow-up ran at once on the one thread, so no 60 s block was left running; the
            // blocks were interrupted (on a loaded machine one may not have started by its deadline,
            // and then it never starts)
            assertThat(StubbornWorker.runningNow()).isZero();
            assertThat(StubbornWorker.interruptedSoFar() - interruptedBefore).isPositive();
        }
    }

    @Test
    void cancelInterruptsTheHandler() {
        try (InProcessWorker w = new InProcessWorker(oneThread())) {
            w.channel.send(dev.molt.accel.protocol.Wire.MSGPACK, msgpack(1, "take", 0, Map.of()));
            await().atMost(Duration.ofSeconds(10)).until(() -> StubbornWorker.runningNow() == 1);
            w.channel.send(dev.molt.accel.protocol.Wire.MSGPACK, Requests.cancel(1));
            assertThat(w.channel.next(2)).extracting(ResponseEnvelope::status)
                    .containsExactlyInAnyOrder(Status.OK, Status.CANCELLED); // the ack and the answer
            await().atMost(Duration.ofSeconds(10)).until(() -> StubbornWorker.runningNow() == 0);
        }
    }
}
