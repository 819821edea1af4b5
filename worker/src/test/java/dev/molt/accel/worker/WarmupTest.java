package dev.molt.accel.worker;

import static dev.molt.accel.worker.Requests.map;
import static dev.molt.accel.worker.Requests.msgpack;
import static dev.molt.accel.worker.Requests.ping;
import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.worker.demo.DemoExports;
import dev.molt.accel.worker.demo.FakeDb;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The worker's self-warm-up: samples run before the first request is read, bounded in count and time. */
class WarmupTest {

    private final List<WorkerProcess> started = new ArrayList<>();

    @AfterEach
    void closeWorkers() {
        started.forEach(WorkerProcess::close);
    }

    private long warmedAtFirstCall(Map<String, String> env, String... args) {
        WorkerProcess w = WorkerProcess.testWorker(env, args);
        started.add(w);
        // the first request the worker reads is the ping: whatever ran before it was the warm-up
        assertThat(w.channel.call(ping(1)).status()).isEqualTo(Status.OK);
        Map<String, Object> stats = Requests.resultMap(w.channel.call(msgpack(2, "stats", 0, map())));
        return ((Number) stats.get("warmed")).longValue();
    }

    @Test
    void warmupFlagRunsTheSamplesBeforeTheFirstPingIsAnswered() {
        assertThat(warmedAtFirstCall(Map.of(), "--stdio", "--warmup")).isBetween(1L, (long) Warmup.MAX_ROUNDS);
    }

    @Test
    void warmupVariableDoesTheSame() {
        assertThat(warmedAtFirstCall(Map.of("MOLT_WORKER_WARMUP", "1"), "--stdio")).isBetween(1L, (long) Warmup.MAX_ROUNDS);
    }

    @Test
    void withoutWarmupNoSampleRuns() {
        assertThat(warmedAtFirstCall(Map.of(), "--stdio")).isZero();
    }

    @Test
    void everyDemoSampleIsAValidRequest() {
        MoltWorker w = DemoExports.register(MoltWorker.builder()).build();
        assertThat(Warmup.run(w.routes(), 2, TimeUnit.SECONDS.toNanos(60))).isEqualTo(2 * 4);
    }

    @Test
    void aFailingSampleStopsOnlyItsOwnWarmup() {
        AtomicInteger good = new AtomicInteger();
        AtomicInteger bad = new AtomicInteger();
        MoltWorker w = MoltWorker.builder()
                .export(Export.of("bad", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    bad.incrementAndGet();
                    throw new IllegalStateException("no");
                }).withSample(Map.of()))
                .export(Export.of("good", Codec.MSGPACK, Codec.JSON, Object.class, (p, ctx) -> {
                    good.incrementAndGet();
                    return p;
                }).withSample(Map.of("a", List.of(1, 2))))
                .export(Export.of("plain", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> p))
                .build();
        assertThat(Warmup.run(w.routes(), 5, TimeUnit.SECONDS.toNanos(60))).isEqualTo(5);
        assertThat(bad).hasValue(1);
        assertThat(good).hasValue(5);
    }

    @Test
    void aSlowSampleIsCutAtTheBudget() {
        MoltWorker w = MoltWorker.builder()
                .export(Export.of("spin", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    while (!ctx.isCancelled()) {
                        Thread.onSpinWait();
                    }
                    return Map.of();
                }).withSample(Map.of()))
                .build();
        long t0 = System.nanoTime();
        Warmup.run(w.routes(), Warmup.MAX_ROUNDS, TimeUnit.MILLISECONDS.toNanos(300));
        // 50 rounds of a handler that runs until its deadline would take forever without the budget
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }
}
