package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static dev.molt.accel.client.TestWorkers.testWorker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MoltClientTest {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(20)).build();

    @AfterAll
    static void nothingLeftBehind() {
        TestWorkers.assertNoChildren();
        TestWorkers.assertNoClientThreads();
    }

    @ParameterizedTest
    @EnumSource(Wire.class)
    void echoAndComputeRoundTripOnBothWires(Wire wire) {
        try (MoltClient client = testWorker().wire(wire).build()) {
            MoltResult echo = client.call("echo", map("a", 1, "b", "héllo"), SLOW);
            assertThat(echo.value()).isEqualTo(map("a", 1, "b", "héllo"));

            MoltResult json = client.call("echo", "{\"x\":[1,2]}".getBytes(StandardCharsets.UTF_8),
                    SLOW.toBuilder().codec(Codec.JSON).build());
            assertThat(json.codec()).isEqualTo(Codec.JSON);
            assertThat(new String(json.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"x\":[1,2]}");

            MoltResult compute = client.call("compute", map("values", List.of(1, 2, 3), "scale", 2.0, "offset", 1.0), SLOW);
            @SuppressWarnings("unchecked")
            Map<String, Object> value = (Map<String, Object>) compute.value();
            assertThat(value).containsEntry("count", 3).containsEntry("scaled", List.of(3.0, 5.0, 7.0));
            assertThat(((Number) value.get("sum")).doubleValue()).isEqualTo(15.0);
        }
    }

    @Test
    void unknownEntryIsInvalidInput() {
        try (MoltClient client = testWorker().build()) {
            assertThatThrownBy(() -> client.call("nope", map(), SLOW))
                    .isInstanceOfSatisfying(MoltInvalidInputException.class, e -> {
                        assertThat(e.getMessage()).isEqualTo("Unknown entry 'nope'.");
                        assertThat(e.status()).isEqualTo(Status.INVALID_INPUT);
                        assertThat(e.entry()).isEqualTo("nope");
                        assertThat(e.requestId()).isPositive();
                        assertThat(e.errorCode()).isEqualTo("MoltInvalidInput");
                    });
            assertThatThrownBy(() -> client.call("fail", map("message", "boom"), SLOW))
                    .isInstanceOf(MoltInternalErrorException.class).hasMessage("boom");
        }
    }

    @Test
    void hooksSeeRequestResponseAndMetrics() {
        AtomicReference<RequestEnvelope> sent = new AtomicReference<>();
        AtomicReference<ResponseEnvelope> received = new AtomicReference<>();
        AtomicReference<Map<String, Object>> metrics = new AtomicReference<>();
        CallOptions options = SLOW.toBuilder().beforeSend(sent::set).afterRecv(received::set).metrics(metrics::set).build();
        try (MoltClient client = testWorker().build()) {
            MoltResult r = client.call("compute", map("values", "1,2"), options);
            assertThat(sent.get().entry()).isEqualTo("compute");
            assertThat(sent.get().requestId()).isEqualTo(r.requestId());
            assertThat(received.get().requestId()).isEqualTo(r.requestId());
            assertThat(received.get().status()).isEqualTo(Status.OK);
            assertThat(metrics.get()).containsKeys("exec_us", "queue_us", "client_us", "client_ms", "payload_bytes",
                    "response_bytes");
            assertThat(metrics.get().get("response_bytes")).isEqualTo((long) r.bytes().length);
            assertThat(r.metrics()).isEqualTo(metrics.get());
        }
    }

    @Test
    void cancelCheckSendsCancelAndFreesTheWorkerThread() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        try (MoltClient client = testWorker("--threads", "1").build()) {
            client.start();
            CompletableFuture<MoltResult> f = client.callAsync("sleep", map("ms", 30_000, "cooperative", true),
                    SLOW.toBuilder().timeout(Duration.ofSeconds(60)).cancelCheck(stop::get).build());
            // runs where the future fails (a client thread): the cancel must be counted by then
            CompletableFuture<Long> cancelsSeen = f.handle((r, e) -> client.stats().cancels());
            stop.set(true);
            assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(MoltCancelledException.class);
            assertThat(cancelsSeen.get(10, TimeUnit.SECONDS)).as("cancels seen as the future failed").isEqualTo(1);
            // with one worker thread, this only runs once the cancelled handler stopped
            long t0 = System.nanoTime();
            client.call("sleep", map("ms", 0), SLOW);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            // the cancel check is polled on a client thread: the cancel is counted before the future fails
            assertThat(client.stats().cancels()).isEqualTo(1);
            assertThat(client.stats().restarts()).isZero();
        }
    }

    @Test
    void futureCancelAndInterruptCancelTheCall() throws Exception {
        try (MoltClient client = testWorker("--threads", "1").build()) {
            client.start();
            CompletableFuture<MoltResult> f = client.callAsync("sleep", map("ms", 30_000, "cooperative", true),
                    SLOW.toBuilder().timeout(Duration.ofSeconds(60)).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> client.stats().inFlight() == 1);
            CompletableFuture<Long> cancelsSeen = f.handle((r, e) -> client.stats().cancels());
            assertThat(f.cancel(true)).isTrue();
            assertThat(cancelsSeen).as("cancels seen as the future was cancelled").isCompletedWithValue(1L);
            assertThat(f.cancel(true)).isTrue();
            client.call("sleep", map("ms", 0), SLOW);
            assertThat(client.stats().cancels()).as("a second cancel() changes nothing").isEqualTo(1);

            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean interruptedAfter = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(1);
            Thread caller = new Thread(() -> {
                try {
                    client.call("sleep", map("ms", 30_000, "cooperative", true),
                            SLOW.toBuilder().timeout(Duration.ofSeconds(60)).build());
                } catch (Throwable t) {
                    thrown.set(t);
                    interruptedAfter.set(Thread.currentThread().isInterrupted());
                } finally {
                    done.countDown();
                }
            });
            caller.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> client.stats().inFlight() == 1);
            caller.interrupt();
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(thrown.get()).isInstanceOf(MoltCancelledException.class);
            assertThat(interruptedAfter).isTrue();
            client.call("sleep", map("ms", 0), SLOW);
            assertThat(client.stats().cancels()).isEqualTo(2);
        }
    }

    @Test
    void workerSideTimeoutKeepsTheWorker() {
        try (MoltClient client = testWorker().build()) {
            client.start();
            long pid = client.stats().pids().get(0);
            assertThatThrownBy(() -> client.call("sleep", map("ms", 5_000), CallOptions.builder().timeoutMs(300).build()))
                    .isInstanceOf(MoltTimeoutException.class);
            assertThat(client.call("echo", map("ok", true), SLOW).value()).isEqualTo(map("ok", true));
            assertThat(client.stats().pids()).containsExactly(pid);
        }
    }

    @Test
    void stalledWorkerTimesOutAndIsReplaced() throws Exception {
        try (MoltClient client = testWorker().build()) {
            client.start();
            long pid = client.stats().pids().get(0);
            TestWorkers.signal(pid, "STOP");
            try {
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> client.call("echo", map("x", 1), CallOptions.builder().timeoutMs(300).build()))
                        .isInstanceOf(MoltTimeoutException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
                await().atMost(Duration.ofSeconds(10)).until(() -> !client.stats().pids().contains(pid));
                assertThat(client.call("echo", map("x", 2), SLOW).value()).isEqualTo(map("x", 2));
                assertThat(client.stats().pids()).doesNotContain(pid);
                assertThat(client.stats().restarts()).isEqualTo(1);
            } finally {
                TestWorkers.signal(pid, "CONT");
            }
        }
    }

    @Test
    void aCallTimingOutBeforeItsFrameIsWrittenIsNeverSentAndTheWorkerStays() {
        CountDownLatch timedOut = new CountDownLatch(1);
        MoltClientListener listener = new MoltClientListener() {
            @Override
            public void callCompleted(String entry, String outcome, long durationNanos) {
                if (outcome.equals("MoltTimeout")) {
                    timedOut.countDown();
                }
            }
        };
        try (MoltClient client = testWorker().listener(listener).build()) {
            client.start();
            long pid = client.stats().pids().get(0);
            // a caller held up before its write (here by its own hook) until the client gave up on it
            CallOptions held = CallOptions.builder().timeoutMs(200).beforeSend(request ->
                    await().atMost(Duration.ofSeconds(20)).until(() -> timedOut.getCount() == 0)).build();
            assertThatThrownBy(() -> client.call("count", map(), held)).isInstanceOf(MoltTimeoutException.class);
            assertThat(client.call("count", map(), SLOW).value()).as("the first call never reached the worker")
                    .isEqualTo(map("count", 1));
            assertThat(client.stats().pids()).containsExactly(pid);
            assertThat(client.stats().restarts()).isZero();
        }        TestWorkers.assertNoChildren();
    }

    @Test
    void aWorkerThatStopsReadingItsInputIsKilledOnceAWriteStaysBlockedPastItsDeadline() throws Exception {
        // a long cancel grace: only the blocked pipe, not the unanswered call, can explain a replacement
        try (MoltClient client = testWorker().cancelGrace(Duration.ofSeconds(60)).build()) {
            client.start();
            long pid = client.stats().pids().get(0);
            TestWorkers.signal(pid, "STOP");
            AtomicReference<Thread> writerThread = new AtomicReference<>();
            ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "test-big-writer");
                writerThread.set(t);
                return t;
            });
            try {
                // larger than any pipe buffer: its write blocks while the worker is stopped
                Future<MoltResult> big = writer.submit(() -> client.call("echo", map("pad", "x".repeat(4 << 20)),
                        CallOptions.builder().timeoutMs(300).build()));
                await().atMost(Duration.ofSeconds(10)).until(() -> writerThread.get() != null
                        && Arrays.stream(writerThread.get().getStackTrace())
                                .anyMatch(f -> f.getMethodName().equals("writeBytes")));
                // queued behind the blocked write: it times out, or fails with the worker killed for that write
                assertThatThrownBy(() -> client.call("echo", map("small", 1), CallOptions.builder().timeoutMs(300).build()))
                        .isInstanceOfAny(MoltTimeoutException.class, MoltWorkerUnavailableException.class);
                await().atMost(Duration.ofSeconds(10)).until(() -> !client.stats().pids().contains(pid));
                assertThatThrownBy(() -> big.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(MoltAccelException.class);
                assertThat(client.call("echo", map("after", "replacement"), SLOW).value())
                        .isEqualTo(map("after", "replacement"));
            } finally {
                TestWorkers.signalQuietly(pid, "CONT"); // replaced means killed: usually gone by now
                writer.shutdownNow();
                assertThat(writer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            }
        }        TestWorkers.assertNoChildren();
    }

    @Test
    void workerKilledMidCallFailsInFlightAndRestarts(@TempDir Path dir) throws Exception {
        try (MoltClient client = testWorker().build()) {
            client.start();
            long pid = client.stats().pids().get(0);
            CompletableFuture<MoltResult> f = client.callAsync("sleep", map("ms", 30_000, "cooperative", true),
                    SLOW.toBuilder().timeout(Duration.ofSeconds(60)).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> client.stats().inFlight() == 1);
            TestWorkers.signal(pid, "KILL");
            assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(MoltWorkerUnavailableException.class);
            assertThat(client.call("echo", map("after", "restart"), SLOW).value()).isEqualTo(map("after", "restart"));
            assertThat(client.stats().pids()).doesNotContain(pid);

            // idempotent: the first run crashes the worker, the client re-sends on a new one
            Path idem = dir.resolve("idempotent.txt");
            MoltResult r = client.call("touch", map("file", idem.toString(), "crash_if_first", true),
                    SLOW.toBuilder().idempotent(true).build());
            assertThat(r.value()).isEqualTo(map("count", 2));
            assertThat(Files.readAllLines(idem)).hasSize(2);

            // not idempotent: never sent twice
            Path once = dir.resolve("once.txt");
            assertThatThrownBy(() -> client.call("touch", map("file", once.toString(), "crash_if_first", true), SLOW))
                    .isInstanceOf(MoltWorkerUnavailableException.class);
            assertThat(Files.readAllLines(once)).hasSize(1);
            assertThat(client.call("echo", map("still", "serving"), SLOW).value()).isEqualTo(map("still", "serving"));
        }
    }

    @Test
    void garbageFromTheWorkerIsAProtocolErrorAndTheWorkerIsReplaced() {
        try (MoltClient client = testWorker().build()) {
            client.start();
            long pid = client.stats().pids().get(0);
            assertThatThrownBy(() -> client.call("garbage", map(), SLOW)).isInstanceOf(MoltProtocolException.class);
            assertThat(client.call("echo", map("x", 1), SLOW).value()).isEqualTo(map("x", 1));
            assertThat(client.stats().pids()).doesNotContain(pid);
        }
    }

    @Test
    void printingHandlerDoesNotCorruptTheProtocol() {
        try (MoltClient client = testWorker().build()) {
            assertThat(client.call("print", map("text", "hello from a handler"), SLOW).value())
                    .isEqualTo(map("printed", true));
            assertThat(client.call("echo", map("x", 1), SLOW).value()).isEqualTo(map("x", 1));
        }
    }

    @Test
    void fullQueueAnswersBusy() {
        try (MoltClient client = testWorker("--threads", "1", "--max-queue", "1").build()) {
            client.start();
            CallOptions opts = SLOW.toBuilder().timeout(Duration.ofSeconds(30)).build();
            List<CompletableFuture<MoltResult>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(client.callAsync("sleep", map("ms", 1_000), opts));
            }
            List<Throwable> failures = new ArrayList<>();
            int ok = 0;
            for (CompletableFuture<MoltResult> f : calls) {
                try {
                    f.get(30, TimeUnit.SECONDS);
                    ok++;
                } catch (Exception e) {
                    failures.add(e.getCause());
                }
            }
            assertThat(ok).isBetween(1, 2);
            assertThat(failures).isNotEmpty().allSatisfy(e -> assertThat(e).isInstanceOf(MoltBusyException.class)
                    .hasMessage("Worker queue full"));
            assertThat(((MoltBusyException) failures.get(0)).isRetrySafe()).isTrue();
        }
    }

    @Test
    void retryOnBusySucceedsOnceTheQueueDrains() {
        try (MoltClient client = testWorker("--threads", "1", "--max-queue", "1").build()) {
            client.start();
            CallOptions opts = CallOptions.builder().timeout(Duration.ofSeconds(30)).retryOnBusy(true).maxRetries(50)
                    .retryBackoffMs(20).retryBackoffMaxMs(200).build();
            List<CompletableFuture<MoltResult>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(client.callAsync("sleep", map("ms", 100), opts));
            }
            for (CompletableFuture<MoltResult> f : calls) {
                assertThat(f.join().value()).isEqualTo(map("slept", 100));
            }
        }
    }

    @Test
    void manyThreadsManyCallsEachGetTheirOwnAnswer() throws Exception {
        int threads = 64;
        int perThread = 1_000;
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (MoltClient client = testWorker().build()) {
            client.start();
            CountDownLatch done = new CountDownLatch(threads);
            CallOptions opts = CallOptions.builder().timeout(Duration.ofSeconds(30)).build();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Thread th = new Thread(() -> {
                    try {
                        for (int i = 0; i < perThread; i++) {
                            Map<String, Object> payload = map("t", thread, "i", i);
                            Object back = client.call("echo", payload, opts).value();
                            if (!payload.equals(back)) {
                                throw new AssertionError("sent " + payload + ", got " + back);
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    } finally {
                        done.countDown();
                    }
                }, "caller-" + t);
                th.start();
            }
            assertThat(done.await(5, TimeUnit.MINUTES)).isTrue();
            assertThat(errors).isEmpty();
            assertThat(client.stats().calls()).isEqualTo((long) threads * perThread);
            assertThat(client.stats().restarts()).isZero();
        }
    }

    @Test
    void poolSpreadsCallsOverItsWorkers() {
        try (MoltClient client = testWorker().poolSize(2).build()) {
            assertThat(client).isInstanceOf(MoltClientPool.class);
            MoltClientPool pool = (MoltClientPool) client;
            pool.start();
            assertThat(pool.stats().pids()).hasSize(2);
            List<CompletableFuture<MoltResult>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(pool.callAsync("sleep", map("ms", 10_000, "cooperative", true),
                        SLOW.toBuilder().timeout(Duration.ofSeconds(60)).build()));
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(pool.inFlight(0)).isEqualTo(4);
                assertThat(pool.inFlight(1)).isEqualTo(4);
            });
            calls.forEach(f -> f.cancel(true));
            assertThat(pool.call("echo", map("ok", 1), SLOW).value()).isEqualTo(map("ok", 1));
        }
    }

    @Test
    void poolRoutesAroundAKilledWorkerAndRestartsItInTheBackground() throws Exception {
        try (MoltClient client = testWorker().poolSize(2).build()) {
            client.start();
            List<Long> before = client.stats().pids();
            TestWorkers.signal(before.get(0), "KILL");
            await().atMost(Duration.ofSeconds(10)).until(() -> !client.stats().pids().contains(before.get(0)));
            // the survivor answers at once while the replacement starts
            long t0 = System.nanoTime();
            assertThat(client.call("echo", map("x", 1), CallOptions.builder().timeoutMs(2_000).build()).value())
                    .isEqualTo(map("x", 1));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1_500));
            await().atMost(Duration.ofSeconds(30)).until(() -> client.stats().workers() == 2);
            assertThat(client.stats().pids()).contains(before.get(1)).doesNotContain(before.get(0));
        }
    }

    @Test
    void waitingForAReplacementIsBoundedByTheCallTimeout() throws Exception {
        try (MoltClient client = testWorker().environment(Map.of("MOLT_TEST_START_DELAY_MS", "3000")).build()) {
            client.start();
            TestWorkers.signal(client.stats().pids().get(0), "KILL");
            await().atMost(Duration.ofSeconds(10)).until(() -> client.stats().workers() == 0);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> client.call("echo", map(), CallOptions.builder().timeoutMs(300).build()))
                    .isInstanceOf(MoltWorkerUnavailableException.class).hasMessageContaining("No worker became ready");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2_500));
        }
    }

    @Test
    void workerThatDiesAtStartFailsFastAndBacksOff() {
        try (MoltClient client = testWorker().environment(Map.of("MOLT_TEST_CRASH_AT_START", "7"))
                .restartBackoff(Duration.ofSeconds(10), Duration.ofSeconds(20)).build()) {
            assertThatThrownBy(client::start).isInstanceOf(MoltWorkerUnavailableException.class)
                    .hasMessageContaining("did not become ready");
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> client.call("echo", map(), SLOW)).isInstanceOf(MoltWorkerUnavailableException.class)
                    .hasMessageContaining("next attempt in");
            // no new start and no wait: milliseconds, against the 10 s backoff
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
            assertThat(client.stats().lastFailure()).isNotNull();
        }
    }

    @Test
    void missingExecutableIsWorkerUnavailable() {
        try (MoltClient client = MoltClient.builder().command("/nonexistent/molt-worker").build()) {
            assertThatThrownBy(() -> client.call("echo", map(), SLOW)).isInstanceOf(MoltWorkerUnavailableException.class)
                    .hasMessageContaining("Cannot start worker");
        }
    }

    @Test
    void unencodablePayloadIsInvalidInputAndNothingIsSent() {
        try (MoltClient client = testWorker().build()) {
            assertThatThrownBy(() -> client.call("echo", new Object() {
                @SuppressWarnings("unused")
                public Object getSelf() {
                    throw new IllegalStateException("cannot serialize");
                }
            }, SLOW)).isInstanceOf(MoltInvalidInputException.class);
            assertThat(client.stats().workers()).isZero();
        }
    }

    @Test
    void closingWhileWorkersStartLeavesNothingBehind() {
        MoltClient client = testWorker().environment(Map.of("MOLT_TEST_START_DELAY_MS", "2000")).poolSize(2).build();
        CompletableFuture<MoltResult> f = client.callAsync("echo", map(), SLOW);
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.current().children().count() >= 1);
        client.close();
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(MoltWorkerUnavailableException.class);
        TestWorkers.assertNoChildren();
    }

    @Test
    void closedClientRefusesCalls() {
        MoltClient client = testWorker().build();
        client.call("echo", map(), SLOW);
        client.close();
        client.close();
        assertThatThrownBy(() -> client.call("echo", map(), SLOW)).isInstanceOf(MoltWorkerUnavailableException.class)
                .hasMessageContaining("closed");
        TestWorkers.assertNoChildren();
    }

    @Test
    void resultDecodesIntoTypes() {
        record Computed(int count, double sum, List<Double> scaled) {
        }
        try (MoltClient client = testWorker().build()) {
            Computed c = client.call("compute", map("values", List.of(1, 2), "scale", 3), SLOW).as(Computed.class);
            assertThat(c).isEqualTo(new Computed(2, 9.0, List.of(3.0, 6.0)));
            byte[] raw = client.call("compute", map("values", List.of(1)), SLOW.toBuilder().decodeResponse(false).build())
                    .bytes();
            assertThat(Payloads.decode(Codec.MSGPACK, raw)).isEqualTo(map("count", 1, "sum", 1.0, "scaled", List.of(1.0)));
        }
    }
}
