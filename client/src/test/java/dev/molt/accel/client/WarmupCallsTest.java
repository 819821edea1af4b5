package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static dev.molt.accel.client.TestWorkers.testWorker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.protocol.Codec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client's warm-up calls reach every new worker, real processes, before its first user call. */
class WarmupCallsTest {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(20)).build();

    @AfterEach
    void nothingLeft() {
        TestWorkers.assertNoChildren();
    }

    private static long count(MoltClient client) {
        return ((Number) ((Map<?, ?>) client.call("stats", map(), SLOW).value()).get("count")).longValue();
    }

    @Test
    void everyNewWorkerAnswersTheWarmupCallsBeforeItsFirstUserCall() throws Exception {
        AtomicInteger userCalls = new AtomicInteger();
        MoltClientListener listener = new MoltClientListener() {
            @Override
            public void callStarted(String entry) {
                userCalls.incrementAndGet();
            }
        };
        try (MoltClient client = testWorker().listener(listener)
                .warmup(List.of(new WarmupCall("count", Codec.MSGPACK, map(), 3))).build()) {
            assertThat(count(client)).isEqualTo(3);
            assertThat(userCalls).as("warm-up calls are not user calls").hasValue(1);

            long pid = client.stats().pids().get(0);
            TestWorkers.signal(pid, "KILL");
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> !client.stats().pids().isEmpty() && !client.stats().pids().contains(pid));
            assertThat(count(client)).as("the replacement was warmed up too").isEqualTo(3);
        }
    }

    @Test
    void anErrorAnswerCountsAsAnAnswer() {
        try (MoltClient client = testWorker().warmup(List.of(
                WarmupCall.of("fail", Codec.MSGPACK, map("message", "not today")),
                WarmupCall.of("no_such_entry", Codec.MSGPACK, map()),
                WarmupCall.of("count", Codec.MSGPACK, map()))).build()) {
            client.start();
            assertThat(count(client)).isEqualTo(1);
        }
    }

    @Test
    void aWorkerDyingDuringWarmupDidNotStart() {
        try (MoltClient client = testWorker().startTimeout(Duration.ofSeconds(20))
                .warmup(List.of(WarmupCall.of("crash", Codec.MSGPACK, map("code", 3)))).build()) {
            assertThatThrownBy(client::start).isInstanceOf(MoltWorkerUnavailableException.class)
                    .hasMessageContaining("did not become ready");
        }
    }

    @Test
    void badWarmupCallsAreRefusedWhenMade() {
        assertThatThrownBy(() -> WarmupCall.of(" ", Codec.MSGPACK, map())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WarmupCall("x", Codec.MSGPACK, map(), 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBundledWorkerWarmsItselfUpUnlessTurnedOff() {
        MoltClientBuilder b = MoltClient.builder().environmentDefaults(Map.of());
        assertThat(WorkerLauncher.resolve(b).command()).endsWith(WorkerLauncher.BUNDLED_MAIN, "--stdio", "--warmup");
        assertThat(WorkerLauncher.resolve(b.workerWarmup(false)).command()).endsWith(WorkerLauncher.BUNDLED_MAIN, "--stdio");
        assertThat(WorkerLauncher.resolve(b.workerWarmup(true), false).command()).as("per-request workers")
                .endsWith(WorkerLauncher.BUNDLED_MAIN, "--stdio");
    }
}
