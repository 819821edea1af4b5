package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.internal.InMemoryTransport;
import dev.molt.accel.worker.MoltWorker;
import dev.molt.accel.test.worker.TestWorker;
import dev.molt.accel.client.internal.ClientCore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The engine over the in-memory transport: a real {@link MoltWorker} served in this JVM through
 * the same frames as over stdio, so these tests need no process start and run in milliseconds.
 */
class InMemoryEngineTest {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(20)).build();

    static MoltClientBuilder inMemory() {
        return MoltClient.builder().closeTimeout(Duration.ofSeconds(2)).transport(new InMemoryTransport("test worker",
                (in, out) -> {
                    MoltWorker.Builder b = MoltWorker.builder().drainTimeout(Duration.ofSeconds(1));
                    TestWorker.configure(b);
                    b.build().serve(in, out);
                }));
    }

    @AfterAll
    static void nothingLeftBehind() {
        TestWorkers.assertNoClientThreads();
    }

    @Test
    void callsGoThroughTheSeamAndCallbacksRunOnCallbackThreads() throws Exception {
        try (MoltClient client = inMemory().build()) {
            client.start();
            assertThat(client.call("echo", map("x", 1), SLOW).value()).isEqualTo(map("x", 1));
            assertThat(client.callAsync("compute", map("values", List.of(1, 2, 3), "scale", 2.0), SLOW)
                    .thenApply(r -> Thread.currentThread().getName()).get(20, TimeUnit.SECONDS))
                    .startsWith("molt-accel-callback-");
            assertThat(client.stats().workers()).isEqualTo(1);
        }
    }

    @Test
    void aFakeTickerTimesOutAWholeCallWithoutWaiting() throws Exception {
        AtomicLong now = new AtomicLong(42L);
        try (MoltClient client = inMemory().ticker(now::get).build()) {
            client.start();
            ClientCore core = (ClientCore) client;
            CompletableFuture<MoltResult> f = client.callAsync("sleep", map("ms", 60_000, "cooperative", true),
                    CallOptions.builder().timeout(Duration.ofSeconds(30)).idempotent(true).retryOnTimeout(true)
                            .maxRetries(5).build());
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 1);
            now.addAndGet(Duration.ofSeconds(31).toNanos());
            core.sweepNow();
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(MoltTimeoutException.class)
                    .hasMessageContaining("30000 ms deadline (passed by 1000 ms; 1 attempt)");
        }
    }

    @Test
    void aFakeTickerDrivesTheRetryBackoffOfABusyWorker() throws Exception {
        AtomicLong now = new AtomicLong(7L);
        MoltClientBuilder b = MoltClient.builder().closeTimeout(Duration.ofSeconds(2)).ticker(now::get)
                .transport(new InMemoryTransport("small queue", (in, out) -> {
                    MoltWorker.Builder w = MoltWorker.builder().threads(1).maxQueue(1).drainTimeout(Duration.ofSeconds(1));
                    TestWorker.configure(w);
                    w.build().serve(in, out);
                }));
        try (MoltClient client = b.build()) {
            client.start();
            CallOptions hold = CallOptions.builder().timeout(Duration.ofMinutes(5)).build();
            CompletableFuture<MoltResult> running = client.callAsync("sleep", map("ms", 60_000, "cooperative", true), hold);
            CompletableFuture<MoltResult> queued = client.callAsync("sleep", map("ms", 60_000, "cooperative", true), hold);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 2);
            List<Long> sends = new CopyOnWriteArrayList<>();
            CompletableFuture<MoltResult> retried = client.callAsync("echo", map("z", 1), CallOptions.builder()
                    .timeout(Duration.ofSeconds(60)).retryOnBusy(true).maxRetries(3).retryBackoff(Duration.ofSeconds(20))
                    .retryBackoffMax(Duration.ofSeconds(20)).beforeSend(r -> sends.add(r.timeoutMs())).build());
            await().atMost(Duration.ofSeconds(20)).until(() -> sends.size() == 1 && client.stats().inFlight() == 2);
            running.cancel(true);
            queued.cancel(true);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 0);
            ((ClientCore) client).sweepNow();
            assertThat(retried).as("the backoff is fake time: nothing happens until the ticker moves").isNotDone();
            now.addAndGet(Duration.ofSeconds(20).toNanos());
            ((ClientCore) client).sweepNow();
            assertThat(retried.get(20, TimeUnit.SECONDS).value()).isEqualTo(map("z", 1));
            assertThat(sends).containsExactly(60_000L, 40_000L);
        }
    }
}
