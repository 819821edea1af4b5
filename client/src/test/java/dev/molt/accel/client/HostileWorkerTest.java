package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static dev.molt.accel.client.TestWorkers.testWorker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.internal.ProcessTree;
import dev.molt.accel.protocol.Codec;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client against workers that misbehave on purpose (the hostile modes of the scriptable test
 * worker): every case makes a few calls, asserts how they fail, closes the client, and then asserts
 * that nothing is left: no worker or grandchild process, no {@code molt-accel-*} thread, no extra
 * file descriptor.
 */
class HostileWorkerTest {

    private static final Duration LEFTOVER_WAIT = Duration.ofSeconds(20);
    private static final long MIB = 1024 * 1024;
    private static final CallOptions QUICK = CallOptions.builder().timeout(Duration.ofSeconds(2)).build();
    /** Long enough for a replacement worker's JVM to start on a heavily loaded machine. */
    private static final CallOptions PATIENT = CallOptions.builder().timeout(Duration.ofSeconds(60)).build();

    @TempDir
    Path dir;

    private Path startLog;
    private Path childLog;
    private int descriptorsBefore;
    private java.util.Set<Thread> threadsBefore;
    private final List<ExecutorService> executors = new ArrayList<>();

    @BeforeEach
    void recordBaseline() throws IOException {
        startLog = dir.resolve("starts.log");
        childLog = dir.resolve("children.log");
        // threads left by an earlier failing case are not this case's leak
        threadsBefore = java.util.Set.copyOf(Thread.getAllStackTraces().keySet());
        descriptorsBefore = openDescriptors();
    }

    @AfterEach
    void killWhateverIsLeft() throws IOException {
        executors.forEach(ExecutorService::shutdownNow);
        for (long pid : loggedPids()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
    }

    // ---------------------------------------------------------------- bad frames

    @Test
    void garbageAnswersFailAsProtocolErrors() throws IOException {
        MoltClient client = hostile("garbage,ping_ok").build();
        try {
            client.start();
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> client.call("echo", map("i", 1), PATIENT))
                        .isInstanceOf(MoltProtocolException.class);
            }
        } finally {
            close(client);
        }
        assertNothingLeft();
    }

    @Test
    void garbageReadinessPingMeansTheWorkerIsUnavailable() throws IOException {
        MoltClient client = hostile("garbage").maxRestarts(0).build();
        try {
            assertThatThrownBy(client::start).isInstanceOf(MoltWorkerUnavailableException.class);
        } finally {
            close(client);
        }
        assertNothingLeft();
    }

    @Test
    void unknownIdsTimeOutAndTheReplacedWorkersAreKilled() throws IOException {
        MoltClient client = hostile("unknown_ids,ping_ok").cancelGrace(Duration.ofMillis(200)).build();
        try {
            client.start();
            for (int round = 0; round < 2; round++) {
                List<CompletableFuture<MoltResult>> calls = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    calls.add(client.callAsync("echo", map("i", i), QUICK));
                }
                for (CompletableFuture<MoltResult> c : calls) {
                    assertThatThrownBy(c::join).hasCauseInstanceOf(MoltTimeoutException.class);
                }
            }
            // a worker replaced for answering with unknown ids is gone once its grace has passed,
            // not only at close(): at most the current worker and one being replaced may live
            await().atMost(LEFTOVER_WAIT).untilAsserted(() ->
                    assertThat(alive(loggedPids())).as("live workers while the client is open (of %s started)",
                            loggedStarts().size()).hasSizeLessThanOrEqualTo(2));
        } finally {
            close(client);
        }
        assertNothingLeft();
    }

    @Test
    void aStoppedWorkerIsReplacedAndKilledWhileTheClientGoesOn() throws Exception {
        MoltClient client = testWorker().environment(Map.of("MOLT_TEST_START_LOG", startLog.toString()))
                .startTimeout(Duration.ofSeconds(20)).closeTimeout(Duration.ofSeconds(3))
                .cancelGrace(Duration.ofMillis(200)).build();
        try {
            client.start();
            long stopped = client.stats().pids().get(0);
            // SIGTERM waits until a stopped process continues: only SIGKILL ends it
            TestWorkers.signal(stopped, "STOP");
            List<CompletableFuture<MoltResult>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(client.callAsync("echo", map("i", i), QUICK));
            }
            for (CompletableFuture<MoltResult> c : calls) {
                assertThatThrownBy(c::join).hasCauseInstanceOf(MoltTimeoutException.class);
            }
            await().atMost(LEFTOVER_WAIT).until(() -> !ProcessTree.isLive(stopped));
            assertThat(client.call("echo", map("i", 1), PATIENT).value()).isEqualTo(map("i", 1));
        } finally {
            close(client);
        }
        assertNothingLeft();
    }

    @Test
    void unknownIdsOnTheReadinessPingFailTheStart() throws IOException {
        MoltClient client = hostile("unknown_ids").startTimeout(Duration.ofSeconds(4)).maxRestarts(0).build();
        try {
            assertThatThrownBy(client::start).isInstanceOf(MoltWorkerUnavailableException.class);
        } finally {
            close(client);
        }
        assertNothingLeft();
    }

    @Test
    void anEnvelopeClaimingAGibibyteIsAProtocolErrorWithoutTheAllocation() throws IOException {
        MoltClient client = hostile("huge_claims,ping_ok").build();
        try {
            client.start();
            long before = usedHeapAfterGc();
            resetPeaks();
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> client.call("echo", map("i", 1), PATIENT))
                        .isInstanceOf(MoltProtocolException.class);
            }
            assertThat(peakHeap() - before).as("heap peak growth, bytes").isLessThan(256 * MIB);
        } finally {
            close(client);
        }
        assertNothingLeft();
    }

    @Test
    void aPayloadClaimingAGibibyteFailsToDecodeWithoutTheAllocation() throws IOException {
        MoltClient client = hostile("huge_payload_claims,ping_ok").build();
        try {
            client.start();
            long before = usedHeapAfterGc();
            resetPeaks();
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> client.call("echo", map("i", 1), PATIENT).value())
                        .isInstanceOf(MoltAccelException.class);
            }
            assertThat(peakHeap() - before).as("heap peak growth, bytes").isLessThan(256 * MIB);
        } finally {
            close(client);
        }
        assertNothingLeft();
    }

    // ---------------------------------------------------------------- a worker that stops reading

    @Test
    void aWriterBlockedOnAWorkerThatStoppedReadingCannotHoldClose() throws Exception {
        MoltClient client = hostile("no_stdin").closeTimeout(Duration.ofSeconds(2)).build();
        ExecutorService callers = executor();
        CompletableFuture<MoltResult> blocked;
        try {
            client.start();
            // 4 MiB does not fit in a pipe (64 KiB): the writing thread blocks until the worker reads
            byte[] big = new byte[4 * 1024 * 1024];
            CallOptions raw = CallOptions.builder().codec(Codec.RAW).timeout(Duration.ofSeconds(30)).build();
            blocked = CompletableFuture.supplyAsync(() -> client.call("echo", big, raw), callers);
            await().atMost(LEFTOVER_WAIT).until(() -> client.stats().inFlight() > 0 || blocked.isDone());
        } finally {
            long start = System.nanoTime();
            close(client);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ms in close()")
                    .isLessThan(10_000);
        }
        // the blocked writer fails instead of waiting for a reader that never comes
        await().atMost(LEFTOVER_WAIT).until(blocked::isDone);
        assertThat(blocked).isCompletedExceptionally();
        assertNothingLeft();
    }

    // ---------------------------------------------------------------- stderr floods

    @Test
    void stderrWithoutNewlinesIsReadInBoundedMemory() throws IOException {
        Map<String, String> env = Map.of("MOLT_TEST_FLOOD_BYTES", Long.toString(96 * MIB));
        MoltClient client = hostile("stderr_flood", env).build();
        try {
            long before = usedHeapAfterGc();
            client.start();
            assertThat(client.call("echo", map("i", 1), PATIENT).value()).isEqualTo(map("i", 1));
            // the flood takes a moment to pass through the pipe; a drainer buffering the line would
            // hold 96 MiB (twice that as chars) until the worker exits
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(usedHeapAfterGc() - before).as("retained heap growth, bytes")
                            .isLessThan(48 * MIB));
            assertThat(client.call("echo", map("i", 2), PATIENT).value()).isEqualTo(map("i", 2));
        } finally {
            close(client);
        }
        assertNothingLeft();
    }

    @Test
    void aFloodOfStderrLinesDoesNotStopCalls() throws IOException {
        MoltClient client = hostile("stderr_lines").build();
        try {
            client.start();
            for (int i = 0; i < 20; i++) {
                assertThat(client.call("echo", map("i", i), PATIENT).value()).isEqualTo(map("i", i));
            }
        } finally {
            close(client);
        }
        assertNothingLeft();
    }

    // ---------------------------------------------------------------- forks

    @Test
    void aGrandchildHoldingThePipesDoesNotOutliveTheClient() throws IOException {
        MoltClient client = hostile("fork").build();
        try {
            client.start();
            assertThat(client.call("echo", map("i", 1), PATIENT).value()).isEqualTo(map("i", 1));
            await().atMost(LEFTOVER_WAIT).until(() -> !childPids().isEmpty());
            assertThat(alive(childPids())).isNotEmpty();
        } finally {
            close(client);
        }
        assertNothingLeft();
    }

    @Test
    void aWorkerThatExitsLeavingAGrandchildIsSeenToExit() throws IOException {
        // two threads whatever the machine's processor count: the echo is answered beside the sleep
        MoltClient client = hostile("fork_exit", Map.of(), "--threads", "2").build();
        try {
            client.start();
            // in flight on the worker when it exits: a call sent after the exit may already find the
            // client past it (a fresh worker then answers), so the call that must fail is sent before
            CompletableFuture<MoltResult> caught = client.callAsync("sleep", map("ms", 30_000, "cooperative", true),
                    CallOptions.builder().timeout(Duration.ofSeconds(60)).build());
            await().atMost(LEFTOVER_WAIT).until(() -> client.stats().inFlight() == 1);
            assertThat(client.call("echo", map("i", 1), PATIENT).value()).isEqualTo(map("i", 1));
            // the worker is gone, but its grandchild holds stdout open: no EOF will ever come
            long worker = loggedStarts().get(0);
            await().atMost(LEFTOVER_WAIT).until(() -> alive(List.of(worker)).isEmpty());
            assertThat(caught).failsWithin(LEFTOVER_WAIT).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause().isInstanceOf(MoltWorkerUnavailableException.class);
            // the next call gets a fresh worker
            assertThat(client.call("echo", map("i", 3), PATIENT).value()).isEqualTo(map("i", 3));
        } finally {
            close(client);
        }
        assertNothingLeft();
    }

    @Test
    void aWorkerThatExitsAtStartLeavingAGrandchildFailsTheStartPromptly() throws IOException {
        MoltClient client = hostile("fork_exit_at_start").startTimeout(Duration.ofSeconds(120)).maxRestarts(0)
                .build();
        try {
            long start = System.nanoTime();
            assertThatThrownBy(client::start).isInstanceOf(MoltWorkerUnavailableException.class);
            // seen through the process's exit, not after the start timeout waiting for a ping (the
            // JVM's own start took 18 s on a heavily loaded machine)
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ms until start() failed")
                    .isLessThan(60_000);
        } finally {
            close(client);
        }
        assertNothingLeft();
    }

    // ---------------------------------------------------------------- helpers

    private MoltClientBuilder hostile(String modes) {
        return hostile(modes, Map.of());
    }

    private MoltClientBuilder hostile(String modes, Map<String, String> extra, String... args) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("MOLT_TEST_MODE", modes);
        env.put("MOLT_TEST_START_LOG", startLog.toString());
        env.put("MOLT_TEST_CHILD_LOG", childLog.toString());
        env.put("MOLT_TEST_MAX_LIFETIME_MS", "90000");
        return testWorker(args).environment(env)
                .startTimeout(Duration.ofSeconds(60))
                .closeTimeout(Duration.ofSeconds(3))
                .restartBackoff(Duration.ofMillis(50), Duration.ofMillis(500));
    }

    private ExecutorService executor() {
        ExecutorService e = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-caller");
            t.setDaemon(true);
            return t;
        });
        executors.add(e);
        return e;
    }

    /** Closes the client; close() must come back in bounded time whatever the worker does. */
    private static void close(MoltClient client) {
        CompletableFuture<Void> closing = CompletableFuture.runAsync(client::close);
        await().atMost(LEFTOVER_WAIT).until(closing::isDone);
        assertThat(closing).isCompleted();
    }

    /** No worker or grandchild alive, no molt-accel thread, descriptors back to where they were. */
    private void assertNothingLeft() {
        await().atMost(LEFTOVER_WAIT).untilAsserted(() -> {
            List<Long> pids = loggedPids();
            assertThat(alive(pids)).as("live processes of the worker trees %s", pids).isEmpty();
        });
        TestWorkers.assertNoChildren();
        await().atMost(LEFTOVER_WAIT).untilAsserted(() ->
                assertThat(Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.isAlive() && !threadsBefore.contains(t)).map(Thread::getName)
                        .filter(n -> n.startsWith("molt-accel-")).toList()).as("client threads").isEmpty());
        await().atMost(LEFTOVER_WAIT).untilAsserted(() ->
                assertThat(openDescriptors()).as("open descriptors").isLessThanOrEqualTo(descriptorsBefore + 2));
    }

    private List<Long> loggedPids() throws IOException {
        List<Long> all = new ArrayList<>(loggedStarts());
        all.addAll(childPids());
        return all;
    }

    private List<Long> loggedStarts() throws IOException {
        return pids(startLog);
    }

    private List<Long> childPids() throws IOException {
        return pids(childLog);
    }

    private static List<Long> pids(Path log) throws IOException {
        if (!Files.exists(log)) {
            return List.of();
        }
        return Files.readAllLines(log).stream().map(String::trim).filter(s -> !s.isEmpty()).map(Long::parseLong)
                .toList();
    }

    private static List<Long> alive(List<Long> pids) {
        return pids.stream().filter(ProcessTree::isLive).toList();
    }

    private static int openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }

    private static long usedHeapAfterGc() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** The sum of the heap pools' peaks since {@link #resetPeaks()}: above any moment's total. */
    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
