package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.internal.ClientCore;
import dev.molt.accel.client.internal.InMemoryTransport;
import dev.molt.accel.test.worker.TestWorker;
import dev.molt.accel.worker.MoltWorker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Spares, rolling recycles, health probes and the elastic size, over in-memory workers (a real
 * {@link MoltWorker} behind the same frames as over stdio) and, where time matters, a fake ticker.
 */
class PoolFeaturesTest {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(20)).build();

    /** One in-memory worker: it can be silenced (it stops reading, like a stopped process) or made to end its output. */
    static final class Handle {
        final AtomicBoolean silent = new AtomicBoolean();
        volatile OutputStream out;

        void die() throws IOException {
            out.close();
        }
    }

    /** Workers served in this JVM, each recorded as a {@link Handle} in opening order. */
    static final class Workers {
        final List<Handle> handles = new CopyOnWriteArrayList<>();
        final AtomicInteger opened = new AtomicInteger();
        volatile CountDownLatch holdOpensAfter;
        volatile int holdAfter = Integer.MAX_VALUE;
        /** Opens held one by one: the n-th open (from 1) waits for its latch. */
        final Map<Integer, CountDownLatch> holdOpen = new ConcurrentHashMap<>();
        /** Opens under way now (before their worker serves), and the most there were at once. */
        final AtomicInteger opening = new AtomicInteger();
        final AtomicInteger mostOpening = new AtomicInteger();

        InMemoryTransport transport() {
            return new InMemoryTransport("pool test worker", (in, out) -> {
                int n = opened.incrementAndGet();
                mostOpening.accumulateAndGet(opening.incrementAndGet(), Math::max);
                CountDownLatch hold = holdOpen.containsKey(n) ? holdOpen.get(n) : holdOpensAfter;
                if (hold != null && (holdOpen.containsKey(n) || n > holdAfter)) {
                    try {
                        hold.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                opening.decrementAndGet();
                Handle h = new Handle();
                h.out = out;
                handles.add(h);
                MoltWorker.Builder b = MoltWorker.builder().drainTimeout(Duration.ofSeconds(1));
                TestWorker.configure(b);
                b.build().serve(silenceable(in, h.silent), silenceable(out, h.silent));
            });
        }

        void releaseAll() {
            for (Handle h : handles) {
                h.silent.set(false);
            }
            CountDownLatch hold = holdOpensAfter;
            if (hold != null) {
                hold.countDown();
            }
        }
    }

    /** Reads nothing while {@code silent} is set, as a stopped process reads nothing. */
    static InputStream silenceable(InputStream in, AtomicBoolean silent) {
        return new InputStream() {
            private void waitWhileSilent() {
                while (silent.get()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
            }

            @Override
            public int read() throws IOException {
                waitWhileSilent();
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                waitWhileSilent();
                return in.read(b, off, len);
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }

    /** Writes nothing while {@code silent} is set. */
    static OutputStream silenceable(OutputStream out, AtomicBoolean silent) {
        return new OutputStream() {
            private void waitWhileSilent() {
                while (silent.get()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
            }

            @Override
            public void write(int b) throws IOException {
                waitWhileSilent();
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                waitWhileSilent();
                out.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                waitWhileSilent();
                out.flush();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }

    static ClientCore core(MoltClient client) {
        return client instanceof MoltClientPool pool ? pool.core() : (ClientCore) client;
    }

    static MoltClientBuilder builder(Workers workers) {
        return MoltClient.builder().closeTimeout(Duration.ofSeconds(2)).transport(workers.transport());
    }

    @AfterAll
    static void nothingLeftBehind() {
        TestWorkers.assertNoClientThreads();
    }

    @Test
    void optionsAreValidatedAsTheyAreSetNamingTheOption() {
        MoltClientBuilder b = MoltClient.builder();
        assertThatThrownBy(() -> b.spareWorkers(-1)).hasMessageContaining("spareWorkers");
        assertThatThrownBy(() -> b.recycleMaxCalls(-1)).hasMessageContaining("recycleMaxCalls");
        assertThatThrownBy(() -> b.recycleMaxAge(Duration.ofSeconds(-1))).hasMessageContaining("recycleMaxAge");
        assertThatThrownBy(() -> b.recycleMaxRss(-1)).hasMessageContaining("recycleMaxRss");
        assertThatThrownBy(() -> b.recycleJitter(1.5)).hasMessageContaining("recycleJitter");
        assertThatThrownBy(() -> b.recycleJitter(Double.NaN)).hasMessageContaining("recycleJitter");
        assertThatThrownBy(() -> b.healthInterval(Duration.ofSeconds(-1))).hasMessageContaining("healthInterval");
        assertThatThrownBy(() -> b.healthTimeout(Duration.ZERO)).hasMessageContaining("healthTimeout");
        assertThatThrownBy(() -> b.maxPoolSize(0)).hasMessageContaining("maxPoolSize");
        assertThatThrownBy(() -> b.scaleUpInFlight(-1)).hasMessageContaining("scaleUpInFlight");
        assertThatThrownBy(() -> b.idleTimeout(Duration.ZERO)).hasMessageContaining("idleTimeout");
        assertThatThrownBy(() -> MoltClient.builder().poolSize(3).maxPoolSize(2).transport(new Workers().transport()).build())
                .hasMessageContaining("maxPoolSize (2) < poolSize (3)");
    }

    @Test
    void aSpareTakesOverAtOnceWhenAWorkerDiesAndANewSpareStarts() throws Exception {
        Workers workers = new Workers();
        try (MoltClient client = builder(workers).spareWorkers(1).build()) {
            client.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().spares() == 1);
            assertThat(client.call("echo", map("x", 1), SLOW).value()).isEqualTo(map("x", 1));
            long first = client.stats().pids().get(0);
            int openedBefore = workers.opened.get();
            // the first worker opened is the pool's; the second the spare
            workers.handles.get(0).die();
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().workers() == 1
                    && !client.stats().pids().contains(first));
            assertThat(client.stats().pids()).as("the spare, opened right after the first worker, took the calls")
                    .containsExactly(first + 1);
            assertThat(client.call("echo", map("x", 2), SLOW).value()).isEqualTo(map("x", 2));
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().spares() == 1);
            assertThat(workers.opened.get()).isEqualTo(openedBefore + 1);
        } finally {
            workers.releaseAll();
        }
    }

    @Test
    void aWorkerLostWhileTheSpareStillStartsCostsOneStart() throws Exception {
        Workers workers = new Workers();
        CountDownLatch thirdOpen = new CountDownLatch(1);
        CountDownLatch fourthOpen = new CountDownLatch(1);
        workers.holdOpen.put(3, thirdOpen);
        workers.holdOpen.put(4, fourthOpen);
        try (MoltClient client = builder(workers).spareWorkers(1).build()) {
            client.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().spares() == 1);
            // the spare (2nd open) takes the calls; a new spare starts (3rd open, held)
            workers.handles.get(0).die();
            await().atMost(Duration.ofSeconds(20)).until(() -> workers.opened.get() == 3 && client.stats().workers() == 1
                    && client.stats().spares() == 0);
            // the position is lost again while that spare still starts: its own start (4th open, held)
            workers.handles.get(1).die();
            await().atMost(Duration.ofSeconds(20)).until(() -> workers.opened.get() == 4 && client.stats().workers() == 0);
            // the spare is ready first and takes the position; the position's own start is then the spare
            thirdOpen.countDown();
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().workers() == 1);
            fourthOpen.countDown();
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().spares() == 1);
            assertThat(client.call("echo", map("x", 3), SLOW).value()).isEqualTo(map("x", 3));
            assertThat(workers.opened.get()).as("starts: two at first, one per lost worker").isEqualTo(4);
        } finally {
            workers.releaseAll();
            thirdOpen.countDown();
            fourthOpen.countDown();
        }
    }

    @Test
    void sparesStartOneAtATime() throws Exception {
        Workers workers = new Workers();
        CountDownLatch firstSpare = new CountDownLatch(1);
        workers.holdOpen.put(2, firstSpare);
        try (MoltClient client = builder(workers).spareWorkers(2).build()) {
            client.start();
            // the first spare's start is held: the second must not start beside it
            await().atMost(Duration.ofSeconds(20)).until(() -> workers.opened.get() >= 2 && client.stats().workers() == 1);
            firstSpare.countDown();
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().spares() == 2);
            assertThat(workers.opened.get()).isEqualTo(3);
            assertThat(workers.mostOpening.get()).as("starts under way at once").isEqualTo(1);
        } finally {
            workers.releaseAll();
            firstSpare.countDown();
        }
    }

    @Test
    void theSpareComesBackWhenStartsCountedAsSparesFillThePositionInstead() throws Exception {
        Workers workers = new Workers();
        Map<Integer, CountDownLatch> held = Map.of(3, new CountDownLatch(1), 4, new CountDownLatch(1),
                5, new CountDownLatch(1));
        workers.holdOpen.putAll(held);
        try (MoltClient client = builder(workers).spareWorkers(1).build()) {
            client.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().spares() == 1);
            workers.handles.get(0).die(); // the spare (2) takes the calls; a new spare starts (3, held)
            await().atMost(Duration.ofSeconds(20)).until(() -> workers.opened.get() == 3 && client.stats().spares() == 0);
            workers.handles.get(1).die(); // the position's own start (4, held)
            await().atMost(Duration.ofSeconds(20)).until(() -> workers.opened.get() == 4 && client.stats().workers() == 0);
            held.get(3).countDown(); // 3 takes the position; 4 is now on its way as the spare
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().workers() == 1 && workers.handles.size() == 3);
            workers.handles.get(2).die(); // the position's own start (5, held)
            await().atMost(Duration.ofSeconds(20)).until(() -> workers.opened.get() == 5 && client.stats().workers() == 0);
            held.get(4).countDown(); // 4 fills the position instead of becoming the spare
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().workers() == 1 && workers.handles.size() == 4);
            workers.handles.get(3).die(); // the start in flight (5) is the position's
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().workers() == 0);
            held.get(5).countDown(); // 5 fills the position: no start is left on its way, so a spare starts (6)
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().workers() == 1 && client.stats().spares() == 1);
            assertThat(workers.opened.get()).isEqualTo(6);
            assertThat(client.call("echo", map("x", 4), SLOW).value()).isEqualTo(map("x", 4));
        } finally {
            workers.releaseAll();
            held.values().forEach(CountDownLatch::countDown);
        }
    }

    @Test
    void recyclingAfterNCallsFailsNoCallAndMakesSeveralGenerations() throws Exception {
        Workers workers = new Workers();
        try (MoltClient client = builder(workers).poolSize(2).recycleMaxCalls(40).recycleJitter(0).build()) {
            client.start();
            ExecutorService load = Executors.newFixedThreadPool(8);
            AtomicBoolean stop = new AtomicBoolean();
            try {
                List<Future<Integer>> loops = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    loops.add(load.submit(() -> {
                        int ok = 0;
                        // at least 100 calls each, then on until the pool went through its generations:
                        // how many recycles a number of calls makes depends on how fast replacements start
                        for (int i = 0; i < 100 || !stop.get(); i++) {
                            // not idempotent: a recycle must never make such a call fail or run twice
                            Object v = client.call("echo", map("t", thread, "i", i), SLOW).value();
                            assertThat(v).isEqualTo(map("t", thread, "i", i));
                            ok++;
                        }
                        return ok;
                    }));
                }
                await().atMost(Duration.ofSeconds(120)).until(() -> client.stats().recycles() >= 5
                        || loops.stream().anyMatch(Future::isDone));
                stop.set(true);
                int ok = 0;
                for (Future<Integer> f : loops) {
                    ok += f.get(60, TimeUnit.SECONDS);
                }
                assertThat(ok).isGreaterThanOrEqualTo(800);
            } finally {
                stop.set(true);
                load.shutdownNow();
            }
            ClientStats stats = client.stats();
            assertThat(stats.recycles()).as("workers recycled every 40 calls: " + stats).isGreaterThanOrEqualTo(5);
            assertThat(workers.opened.get()).isGreaterThanOrEqualTo(2 + 5);
            assertThat(stats.workers()).isEqualTo(2);
        } finally {
            workers.releaseAll();
        }
    }

    @Test
    void onlyOneWorkerOfAPoolIsRecycledAtATime() throws Exception {
        Workers workers = new Workers();
        workers.holdAfter = 3;
        workers.holdOpensAfter = new CountDownLatch(1);
        try (MoltClient client = builder(workers).poolSize(3).recycleMaxCalls(5).recycleJitter(0).build()) {
            client.start();
            for (int i = 0; i < 60; i++) {
                assertThat(client.call("echo", map("i", i), SLOW).value()).isEqualTo(map("i", i));
            }
            // every worker reached its limit; the one replacement starting is held, so no other starts
            await().atMost(Duration.ofSeconds(20)).until(() -> workers.opened.get() == 4);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> workers.opened.get() == 4);
            assertThat(client.stats().workers()).isEqualTo(3);
            workers.holdOpensAfter.countDown();
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().recycles() >= 3);
            assertThat(client.stats().workers()).isEqualTo(3);
        } finally {
            workers.releaseAll();
        }
    }

    @Test
    void aWorkerPastItsMaxAgeIsRecycledOnTheTickerAndItsSuccessorIsNot() throws Exception {
        Workers workers = new Workers();
        AtomicLong now = new AtomicLong(1_000L);
        try (MoltClient client = builder(workers).ticker(now::get).recycleMaxAge(Duration.ofSeconds(10)).recycleJitter(0)
                .build()) {
            client.start();
            ClientCore core = core(client);
            long first = client.stats().pids().get(0);
            now.addAndGet(Duration.ofSeconds(6).toNanos());
            core.sweepNow();
            assertThat(client.stats().recycles()).as("6 s old: not yet").isZero();
            now.addAndGet(Duration.ofSeconds(5).toNanos());
            core.sweepNow();
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().recycles() == 1
                    && client.stats().workers() == 1 && !client.stats().pids().contains(first));
            assertThat(client.call("echo", map("x", 1), SLOW).value()).isEqualTo(map("x", 1));
            now.addAndGet(Duration.ofSeconds(5).toNanos());
            core.sweepNow();
            assertThat(client.stats().recycles()).as("the successor is 5 s old").isEqualTo(1);
        } finally {
            workers.releaseAll();
        }
    }

    @Test
    void aHealthProbeReplacesAWorkerThatFellSilent() throws Exception {
        Workers workers = new Workers();
        AtomicLong now = new AtomicLong(1_000L);
        try (MoltClient client = builder(workers).ticker(now::get).healthInterval(Duration.ofSeconds(5))
                .healthTimeout(Duration.ofSeconds(1)).build()) {
            client.start();
            ClientCore core = core(client);
            long first = client.stats().pids().get(0);
            workers.handles.get(0).silent.set(true);
            now.addAndGet(Duration.ofSeconds(5).toNanos());
            core.sweepNow(); // the first tick notes what the worker answered so far
            now.addAndGet(Duration.ofSeconds(5).toNanos());
            core.sweepNow(); // a whole interval without an answer: __ping__
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 1);
            assertThat(client.stats().pids()).containsExactly(first);
            now.addAndGet(Duration.ofMillis(1_100).toNanos());
            core.sweepNow(); // the ping's timeout passed
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().probeReplacements() == 1
                    && client.stats().workers() == 1 && !client.stats().pids().contains(first));
            workers.releaseAll(); // the in-memory worker cannot be killed like a process: let its close finish
            assertThat(client.call("echo", map("x", 1), SLOW).value()).isEqualTo(map("x", 1));
        } finally {
            workers.releaseAll();
        }
    }

    @Test
    void aWorkerThatFallsSilentIsPingedAtMostATickAfterAWholeInterval() throws Exception {
        Workers workers = new Workers();
        AtomicLong now = new AtomicLong(1_000L);
        try (MoltClient client = builder(workers).ticker(now::get).healthInterval(Duration.ofSeconds(5))
                .healthTimeout(Duration.ofSeconds(1)).build()) {
            client.start();
            ClientCore core = core(client);
            workers.handles.get(0).silent.set(true);
            // the tick is a tenth of the interval: 500 ms after the start it notes the answers so far
            now.addAndGet(Duration.ofMillis(500).toNanos());
            core.sweepNow();
            now.addAndGet(Duration.ofMillis(4_900).toNanos());
            core.sweepNow();
            assertThat(client.stats().inFlight()).as("4.9 s of silence: no probe yet").isZero();
            now.addAndGet(Duration.ofMillis(500).toNanos());
            core.sweepNow(); // the next tick, 5.4 s after the one that saw the last answer: __ping__
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 1);
        } finally {
            workers.releaseAll();
        }
    }

    @Test
    void aWorkerThatAnswersItsProbeStays() throws Exception {
        Workers workers = new Workers();
        AtomicLong now = new AtomicLong(1_000L);
        try (MoltClient client = builder(workers).ticker(now::get).build()) {
            client.start();
            ClientCore core = core(client);
            long first = client.stats().pids().get(0);
            for (int i = 0; i < 4; i++) {
                now.addAndGet(Duration.ofSeconds(5).toNanos());
                core.sweepNow();
                await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 0);
            }
            assertThat(client.stats().pids()).containsExactly(first);
            assertThat(client.stats().probeReplacements()).isZero();
        } finally {
            workers.releaseAll();
        }
    }

    @Test
    void anElasticPoolGrowsUnderLoadAndShrinksBackAfterTheIdleTimeout() throws Exception {
        Workers workers = new Workers();
        AtomicLong now = new AtomicLong(1_000L);
        try (MoltClient client = builder(workers).ticker(now::get).poolSize(1).maxPoolSize(3).scaleUpInFlight(1)
                .idleTimeout(Duration.ofSeconds(10)).build()) {
            client.start();
            ClientCore core = core(client);
            assertThat(client.stats().size()).isEqualTo(1);
            CallOptions hold = CallOptions.builder().timeout(Duration.ofMinutes(5)).build();
            CompletableFuture<MoltResult> a = client.callAsync("sleep", map("ms", 60_000, "cooperative", true), hold);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 1);
            CompletableFuture<MoltResult> b = client.callAsync("sleep", map("ms", 60_000, "cooperative", true), hold);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().size() == 2 && client.stats().workers() == 2);
            assertThat(client.stats().size()).as("bounded by maxPoolSize, one step per crossing").isLessThanOrEqualTo(3);
            a.cancel(true);
            b.cancel(true);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 0);
            for (int i = 0; i < 6 && client.stats().size() > 1; i++) {
                now.addAndGet(Duration.ofSeconds(6).toNanos());
                core.sweepNow();
                await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 0);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().size() == 1 && client.stats().workers() == 1);
            assertThat(client.call("echo", map("x", 1), SLOW).value()).isEqualTo(map("x", 1));
        } finally {
            workers.releaseAll();
        }
    }
}
