package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static dev.molt.accel.client.TestWorkers.testWorker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.internal.InMemoryTransport;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.worker.MoltWorker;
import dev.molt.accel.test.worker.TestWorker;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What becomes of the calls in flight on a worker that dies: those that may be sent again go to a
 * live worker (the spare) at once and finish long before their deadline; a call whose frame never
 * reached the dead worker's pipe goes to the spare whatever its idempotency; a non-idempotent call
 * the worker may have run fails and is never sent again.
 */
class WorkerLossTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final CallOptions IDEMPOTENT = CallOptions.builder().timeout(DEADLINE).idempotent(true).build();
    private static final CallOptions ONCE = CallOptions.builder().timeout(DEADLINE).build();
    private static final CallOptions RAW_IDEMPOTENT = IDEMPOTENT.toBuilder().codec(Codec.RAW).build();

    @TempDir
    Path dir;

    @AfterAll
    static void nothingLeftBehind() {
        TestWorkers.assertNoChildren();
        TestWorkers.assertNoClientThreads();
    }

    @Test
    void aKilledWorkersIdempotentCallsFinishOnTheSpareAndItsOtherCallsFailWithoutRunningTwice() throws Exception {
        Path file = dir.resolve("touched");
        // two threads whatever the machine's processor count (a worker has one per processor by default)
        try (MoltClient client = testWorker("--threads", "2").spareWorkers(1).build()) {
            client.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> client.stats().spares() == 1);
            long victim = client.stats().pids().get(0);
            // two non-idempotent calls running on the worker's two threads, four idempotent ones queued behind them
            List<CompletableFuture<MoltResult>> once = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                once.add(client.callAsync("touch", map("file", file.toString(), "sleep_ms", 30_000), ONCE));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> lines(file) == 2);
            List<CompletableFuture<MoltResult>> idempotent = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                idempotent.add(client.callAsync("sleep", map("ms", 200), IDEMPOTENT));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> client.stats().inFlight() == 6);

            TestWorkers.signal(victim, "KILL");
            long killed = System.nanoTime();
            for (CompletableFuture<MoltResult> f : idempotent) {
                Object v = f.get(DEADLINE.toSeconds(), TimeUnit.SECONDS).value();
                assertThat(((Number) ((Map<?, ?>) v).get("slept")).longValue()).isEqualTo(200L);
            }
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            assertThat(tookMillis).as("idempotent calls re-sent to the spare, against a %s s deadline", DEADLINE.toSeconds())
                    .isLessThan(15_000);
            for (CompletableFuture<MoltResult> f : once) {
                assertThat(f).failsWithin(Duration.ofSeconds(30)).withThrowableOfType(ExecutionException.class)
                        .havingCause().isInstanceOf(MoltWorkerUnavailableException.class)
                        .withMessageContaining("Worker " + victim);
            }
            assertThat(client.stats().pids()).doesNotContain(victim).hasSize(1);
            assertThat(lines(file)).as("the non-idempotent calls ran once each, never again").isEqualTo(2);
        }
    }

    @Test
    void callsWhoseFramesNeverReachedADeadWorkerGoToTheSpareWhateverTheirIdempotency() throws Exception {
        Path file = dir.resolve("touched");
        Silenceable workers = new Silenceable();
        List<Thread> callers = new ArrayList<>();
        try (MoltClient client = MoltClient.builder().closeTimeout(Duration.ofSeconds(2)).transport(workers.transport())
                .spareWorkers(1).build()) {
            client.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().spares() == 1);
            // the pool's worker (opened first) stops reading: six 48 KiB frames are more than its
            // read buffer, the pipe and the client's buffer hold, so a writer blocks holding the write lock
            workers.out.get(0).silent.set(true);
            byte[] big = new byte[48 * 1024];
            List<CompletableFuture<Object>> results = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 6; i++) {
                callers.add(caller(results, () -> client.call("echo", big, RAW_IDEMPOTENT).bytes().length));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 6
                    && callers.stream().anyMatch(WorkerLossTest::blockedOnThePipe));
            // three non-idempotent calls queue behind it: their frames are never written to this worker
            for (int i = 0; i < 3; i++) {
                callers.add(caller(results, () -> client.call("touch", map("file", file.toString()), ONCE).value()));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 9);
            long victim = client.stats().pids().get(0);

            workers.out.get(0).die();
            for (Thread t : callers) {
                t.join(TimeUnit.SECONDS.toMillis(30));
                assertThat(t.isAlive()).as("caller %s still waiting", t.getName()).isFalse();
            }
            assertThat(results).hasSize(9);
            assertThat(results.subList(0, 6)).as("the idempotent echoes, re-sent")
                    .allSatisfy(f -> assertThat(f.get()).isEqualTo(big.length));
            assertThat(results.subList(6, 9)).as("the queued non-idempotent calls, moved unsent to the spare")
                    .allSatisfy(f -> assertThat(f.get()).isInstanceOf(Map.class));
            assertThat(lines(file)).as("each ran exactly once").isEqualTo(3);
            assertThat(client.stats().pids()).doesNotContain(victim).hasSize(1);
        } finally {
            workers.releaseAll();
            for (Thread t : callers) {
                t.interrupt();
            }
        }
    }

    interface Work {
        Object run() throws Exception;
    }

    /** A caller thread of its own (a blocking call may block on the write lock), its outcome in order of start. */
    private static Thread caller(List<CompletableFuture<Object>> results, Work work) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        results.add(f);
        Thread t = new Thread(() -> {
            try {
                f.complete(work.run());
            } catch (Exception | AssertionError e) {
                f.completeExceptionally(e);
            }
        }, "worker-loss-caller-" + results.size());
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Whether {@code t} is inside a write to a full in-memory pipe. */
    private static boolean blockedOnThePipe(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().endsWith(".BytePipe") && e.getMethodName().equals("write")) {
                return true;
            }
        }
        return false;
    }

    private static long lines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (var s = Files.lines(file)) {
            return s.count();
        }
    }

    /** In-memory test workers whose input can be silenced and whose output can be ended. */
    static final class Silenceable {
        final List<Handle> out = new CopyOnWriteArrayList<>();

        static final class Handle {
            final AtomicBoolean silent = new AtomicBoolean();
            volatile OutputStream stream;

            void die() throws IOException {
                stream.close();
            }
        }

        InMemoryTransport transport() {
            return new InMemoryTransport("worker-loss test worker", (in, o) -> {
                Handle h = new Handle();
                h.stream = o;
                out.add(h);
                MoltWorker.Builder b = MoltWorker.builder().drainTimeout(Duration.ofSeconds(1));
                TestWorker.configure(b);
                b.build().serve(PoolFeaturesTest.silenceable(in, h.silent), o);
            });
        }

        void releaseAll() {
            for (Handle h : out) {
                h.silent.set(false);
            }
        }
    }
}
