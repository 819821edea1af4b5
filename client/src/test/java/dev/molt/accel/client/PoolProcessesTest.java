package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static dev.molt.accel.client.TestWorkers.testWorker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Restarts, health probes and recycling against real worker processes (the test worker): a worker
 * killed from outside is replaced at once, one that dies at start backs off, a stopped one is
 * replaced by its health probe, and recycling under load fails no call.
 */
class PoolProcessesTest {

    private static final CallOptions PATIENT = CallOptions.builder().timeout(Duration.ofSeconds(30)).build();

    @AfterAll
    static void nothingLeftBehind() {
        TestWorkers.assertNoChildren();
        TestWorkers.assertNoClientThreads();
    }

    @Test
    void workersKilledAfterServingCallsAreReplacedWithoutTheStartBackoff() throws Exception {
        // a 30 s backoff would show: the replacements must come long before it
        try (MoltClient client = testWorker().poolSize(2).restartBackoff(Duration.ofSeconds(30), Duration.ofSeconds(60))
                .build()) {
            client.start();
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 4; i++) {
                    assertThat(client.call("echo", map("i", i), PATIENT).value()).isEqualTo(map("i", i));
                }
                List<Long> before = client.stats().pids();
                for (long pid : before) {
                    TestWorkers.signal(pid, "KILL"); // both workers of the pool at once
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().workers() == 2
                        && client.stats().pids().stream().noneMatch(before::contains));
            }
            assertThat(client.call("echo", map("x", 1), PATIENT).value()).isEqualTo(map("x", 1));
            assertThat(client.stats().restarts()).isEqualTo(4);
        }
    }

    @Test
    void aWorkerThatDiesAtStartStillBacksOffExponentially() throws Exception {
        List<Long> failures = new CopyOnWriteArrayList<>();
        MoltClientListener listener = new MoltClientListener() {
            @Override
            public void workerStartFailed(Throwable failure) {
                failures.add(System.nanoTime());
            }
        };
        try (MoltClient client = testWorker().environment(Map.of("MOLT_TEST_CRASH_AT_START", "7")).listener(listener)
                .restartBackoff(Duration.ofMillis(300), Duration.ofSeconds(20)).build()) {
            // three failed starts (each a JVM start, seconds on a loaded machine), not a fixed window
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() - end < 0 && failures.size() < 3) {
                assertThatThrownBy(() -> client.call("echo", map(), PATIENT))
                        .isInstanceOf(MoltWorkerUnavailableException.class);
                Thread.sleep(20); // pacing of the caller's retries, not synchronization
            }
            assertThat(failures.size()).as("failed starts in 60 s with a doubling backoff from 300 ms")
                    .isGreaterThanOrEqualTo(3);
            // each wait is at least the backoff, which doubles: 300, 600, 1200 ms
            for (int i = 1; i < failures.size(); i++) {
                long gapMillis = TimeUnit.NANOSECONDS.toMillis(failures.get(i) - failures.get(i - 1));
                assertThat(gapMillis).as("gap before start failure " + i).isGreaterThanOrEqualTo(300L << (i - 1));
            }
        }
    }

    @Test
    void aWorkerStoppedWhileIdleIsReplacedByItsHealthProbe() throws Exception {
        long stopped = 0;
        try (MoltClient client = testWorker().healthInterval(Duration.ofSeconds(1)).healthTimeout(Duration.ofSeconds(2))
                .build()) {
            client.start();
            assertThat(client.call("echo", map("x", 1), PATIENT).value()).isEqualTo(map("x", 1));
            stopped = client.stats().pids().get(0);
            long pid = stopped;
            TestWorkers.signal(pid, "STOP");
            long t0 = System.nanoTime();
            // interval + timeout is 3 s; the bound leaves room for a busy machine and the new worker's start
            await().atMost(Duration.ofSeconds(30)).until(() -> client.stats().probeReplacements() == 1
                    && client.stats().workers() == 1 && !client.stats().pids().contains(pid));
            long replacedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(client.call("echo", map("x", 2), PATIENT).value()).isEqualTo(map("x", 2));
            assertThat(replacedMillis).as("noticed without any call").isLessThan(30_000);
        } finally {
            if (stopped != 0) {
                TestWorkers.signalQuietly(stopped, "CONT");
                TestWorkers.signalQuietly(stopped, "KILL");
            }
        }
    }

    @Test
    void recyclingUnderAClosedLoopOfEightThreadsFailsNoCall() throws Exception {
        try (MoltClient client = testWorker().poolSize(2).recycleMaxCalls(150).build()) {
            client.start();
            ExecutorService load = Executors.newFixedThreadPool(8);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger ok = new AtomicInteger();
            try {
                List<Future<?>> loops = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    loops.add(load.submit(() -> {
                        for (int i = 0; !stop.get(); i++) {
                            Object v = client.call("echo", map("t", thread, "i", i), PATIENT).value();
                            assertThat(v).isEqualTo(map("t", thread, "i", i));
                            ok.incrementAndGet();
                        }
                        return null;
                    }));
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> client.stats().recycles() >= 3 && ok.get() >= 1_000);
                stop.set(true);
                for (Future<?> f : loops) {
                    f.get(60, TimeUnit.SECONDS); // a failed call fails here
                }
            } finally {
                stop.set(true);
                load.shutdownNow();
            }
            assertThat(client.stats().recycles()).isGreaterThanOrEqualTo(3);
            assertThat(client.stats().workers()).isEqualTo(2);
        }
    }
}
