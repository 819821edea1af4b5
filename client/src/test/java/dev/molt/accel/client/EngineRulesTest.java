package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static dev.molt.accel.client.TestWorkers.testWorker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.internal.ClientCore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's rules against real worker processes: one deadline per call, callbacks off the
 * client's reader and timer threads, bounded close, and a slow worker that answers a ping is kept.
 */
class EngineRulesTest {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(20)).build();

    @AfterAll
    static void nothingLeftBehind() {
        TestWorkers.assertNoChildren();
        TestWorkers.assertNoClientThreads();
    }

    @Test
    void callAsyncFuturesCompleteOnCallbackThreadsNeverOnReaderOrTimer() throws Exception {
        try (MoltClient client = testWorker().build()) {
            client.start();
            String ok = client.callAsync("echo", map("x", 1), SLOW)
                    .thenApply(r -> Thread.currentThread().getName()).get(20, TimeUnit.SECONDS);
            assertThat(ok).startsWith("molt-accel-callback-");
            // a failure decided by the timer (the deadline) completes on a callback thread too
            CompletableFuture<String> timedOut = client.callAsync("sleep", map("ms", 3_000, "cooperative", true),
                    CallOptions.builder().timeoutMs(1_000).build()).handle((r, e) -> Thread.currentThread().getName());
            assertThat(timedOut.get(20, TimeUnit.SECONDS)).startsWith("molt-accel-callback-");
            List<String> hookThreads = new CopyOnWriteArrayList<>();
            client.callAsync("echo", map("y", 2), SLOW.toBuilder()
                    .afterRecv(r -> hookThreads.add(Thread.currentThread().getName()))
                    .metrics(m -> hookThreads.add(Thread.currentThread().getName())).build()).get(20, TimeUnit.SECONDS);
            assertThat(hookThreads).hasSize(2).allSatisfy(n -> assertThat(n).startsWith("molt-accel-callback-"));
        }
    }

    @Test
    void aSuppliedCallbackExecutorRunsTheCallbacks() throws Exception {
        ExecutorService mine = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-callbacks"));
        try (MoltClient client = testWorker().callbackExecutor(mine).build()) {
            client.start();
            assertThat(client.callAsync("echo", map(), SLOW).thenApply(r -> Thread.currentThread().getName())
                    .get(20, TimeUnit.SECONDS)).isEqualTo("test-callbacks");
        } finally {
            mine.shutdown();
            assertThat(mine.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void theTimeoutIsTheBudgetOfTheWholeCallAcrossRetries() {
        List<Long> sentTimeouts = new CopyOnWriteArrayList<>();
        CallOptions budget = CallOptions.builder().timeoutMs(1_500).idempotent(true).retryOnTimeout(true).maxRetries(2)
                .beforeSend(r -> sentTimeouts.add(r.timeoutMs())).build();
        try (MoltClient client = testWorker().build()) {
            client.start();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> client.call("sleep", map("ms", 20_000, "cooperative", true), budget))
                    .isInstanceOf(MoltTimeoutException.class)
                    .hasMessageContaining("1500 ms deadline")
                    .hasMessageContaining("1 attempt");
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            // one budget: not three attempts of 1.5 s plus backoffs (the old behaviour took > 4.5 s)
            assertThat(took).isBetween(Duration.ofMillis(1_400), Duration.ofMillis(3_500));
            assertThat(sentTimeouts).hasSize(1).allSatisfy(ms -> assertThat(ms).isBetween(1L, 1_500L));
        }
    }

    @Test
    void aFakeTickerDrivesDeadlinesWithoutWaiting() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        try (MoltClient client = testWorker().ticker(now::get).build()) {
            client.start();
            ClientCore core = (ClientCore) client;
            // a ten-minute deadline in fake time; the worker is told the whole budget
            List<Long> sent = new CopyOnWriteArrayList<>();
            CompletableFuture<MoltResult> f = client.callAsync("sleep", map("ms", 60_000, "cooperative", true),
                    CallOptions.builder().timeout(Duration.ofMinutes(10)).beforeSend(r -> sent.add(r.timeoutMs())).build());
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 1);
            assertThat(sent).containsExactly(600_000L);
            now.addAndGet(Duration.ofMinutes(9).toNanos());
            core.sweepNow();
            assertThat(f).isNotDone();
            long t0 = System.nanoTime();
            now.addAndGet(Duration.ofMinutes(1).plusMillis(5).toNanos());
            core.sweepNow();
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(MoltTimeoutException.class)
                    .hasMessageContaining("600000 ms deadline (passed by 5 ms; 1 attempt)");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aFakeTickerDrivesBusyBackoffAndNoRetryStartsPastTheDeadline() throws Exception {
        AtomicLong now = new AtomicLong(5_000_000_000L);
        try (MoltClient client = testWorker("--threads", "1", "--max-queue", "1").ticker(now::get).build()) {
            client.start();
            ClientCore core = (ClientCore) client;
            CallOptions hold = CallOptions.builder().timeout(Duration.ofMinutes(5)).build();
            CompletableFuture<MoltResult> running = client.callAsync("sleep", map("ms", 60_000, "cooperative", true), hold);
            CompletableFuture<MoltResult> queued = client.callAsync("sleep", map("ms", 60_000, "cooperative", true), hold);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 2);
            // a backoff of 10 s fake time within a 60 s budget: the retry waits for the ticker
            List<Long> sends = new CopyOnWriteArrayList<>();
            CompletableFuture<MoltResult> retried = client.callAsync("echo", map("z", 1), CallOptions.builder()
                    .timeout(Duration.ofSeconds(60)).retryOnBusy(true).maxRetries(3).retryBackoff(Duration.ofSeconds(10))
                    .retryBackoffMax(Duration.ofSeconds(10)).beforeSend(r -> sends.add(r.timeoutMs())).build());
            // a backoff of 10 s with 5 s left: no retry, the Busy answer at once
            CompletableFuture<MoltResult> noTime = client.callAsync("echo", map("z", 2), CallOptions.builder()
                    .timeout(Duration.ofSeconds(5)).retryOnBusy(true).maxRetries(3).retryBackoff(Duration.ofSeconds(10))
                    .retryBackoffMax(Duration.ofSeconds(10)).build());
            assertThatThrownBy(() -> noTime.get(20, TimeUnit.SECONDS)).cause().isInstanceOf(MoltBusyException.class);
            await().atMost(Duration.ofSeconds(20)).until(() -> sends.size() == 1);
            assertThat(retried).isNotDone();
            running.cancel(true);
            queued.cancel(true);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 0);
            now.addAndGet(Duration.ofSeconds(10).toNanos());
            core.sweepNow();
            assertThat(retried.get(20, TimeUnit.SECONDS).value()).isEqualTo(map("z", 1));
            // the retry was sent what the budget had left: 50 s
            assertThat(sends).hasSize(2);
            assertThat(sends.get(1)).isEqualTo(50_000L);
        }
    }

    @Test
    void aStalledWorkerWithRetryOnTimeoutDoesNotHoldOtherDeadlines() throws Exception {
        try (MoltClient client = testWorker().build()) {
            client.start();
            long pid = client.stats().pids().get(0);
            TestWorkers.signal(pid, "STOP");
            try {
                CallOptions retrying = CallOptions.builder().timeoutMs(1_000).idempotent(true).retryOnTimeout(true)
                        .maxRetries(3).build();
                long t0 = System.nanoTime();
                List<CompletableFuture<MoltResult>> calls = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    calls.add(client.callAsync("echo", map("i", i), retrying));
                }
                // and one blocked on a full pipe, which must not hold the timer either
                ExecutorService writer = Executors.newSingleThreadExecutor();
                Future<MoltResult> big = writer.submit(() -> client.call("echo", map("pad", "x".repeat(4 << 20)), retrying));
                for (CompletableFuture<MoltResult> f : calls) {
                    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(MoltTimeoutException.class);
                }
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(3_500));
                assertThatThrownBy(() -> big.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(MoltAccelException.class);
                writer.shutdown();
            } finally {
                TestWorkers.signalQuietly(pid, "CONT");
            }
        }
    }

    @Test
    void closeIsBoundedWithAWriterBlockedOnAWorkerThatStoppedReading() throws Exception {
        AtomicReference<Thread> writerThread = new AtomicReference<>();
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "test-big-writer");
            writerThread.set(t);
            return t;
        });
        MoltClient client = testWorker().closeTimeout(Duration.ofSeconds(1)).build();
        client.start();
        long pid = client.stats().pids().get(0);
        TestWorkers.signal(pid, "STOP");
        try {
            // no deadline: only close() can end this write
            Future<MoltResult> big = writer.submit(() -> client.call("echo", map("pad", "x".repeat(4 << 20)),
                    CallOptions.builder().timeout(Duration.ZERO).build()));
            await().atMost(Duration.ofSeconds(10)).until(() -> writerThread.get() != null
                    && Arrays.stream(writerThread.get().getStackTrace()).anyMatch(f -> f.getMethodName().equals("writeBytes")));
            long t0 = System.nanoTime();
            client.close();
            // three steps of 1 s and a little, not the 15 s and more it used to hang
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(4_500));
            assertThatThrownBy(() -> big.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(MoltAccelException.class);
        } finally {
            TestWorkers.signalQuietly(pid, "CONT");
            writer.shutdownNow();
        }
        TestWorkers.assertNoChildren();
    }

    @Test
    void aWorkerThatIgnoresACancelButAnswersAPingIsKept() {
        // two threads whatever the machine's processor count: the last echo runs beside the abandoned sleep
        try (MoltClient client = testWorker("--threads", "2").cancelGrace(Duration.ofMillis(200))
                .probeTimeout(Duration.ofSeconds(10)).build()) {
            client.start();
            long pid = client.stats().pids().get(0);
            // not cooperative: the handler sleeps through its cancel, the worker still answers __ping__
            assertThatThrownBy(() -> client.call("sleep", map("ms", 30_000), CallOptions.builder().timeoutMs(500).build()))
                    .isInstanceOf(MoltTimeoutException.class);
            // the probe answered: the abandoned request is forgotten long before its handler ends
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 0);
            assertThat(client.stats().pids()).containsExactly(pid);
            assertThat(client.stats().restarts()).isZero();
            assertThat(client.call("echo", map("still", "here"), SLOW).value()).isEqualTo(map("still", "here"));
            assertThat(client.stats().pids()).containsExactly(pid);
        }
    }
}
