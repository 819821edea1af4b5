package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who answered a call ({@link MoltResult#worker()}), the snapshot of a client's workers
 * ({@link MoltClient#workers()}), over child processes and a Unix socket worker. (The stderr logger
 * per pool is checked by the starter's tests, which log through Logback.)
 */
class WorkerIdentityTest {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(30)).build();

    @TempDir
    Path dir;

    @Test
    void aChildWorkerIsItsPidWithItsAgeAndRss() {
        try (MoltClient c = MoltClient.builder().command(TestWorkers.testWorkerCommand()).poolSize(2)
                .stderrLogger("test.stderr.tiles").startTimeout(Duration.ofSeconds(60)).build()) {
            c.start();
            MoltResult r = c.call("print", map("text", "hello from the worker"), SLOW);
            assertThat(c.stats().pids()).contains(Long.parseLong(r.worker()));
            assertThat(c.workers()).hasSize(2).allSatisfy(w -> {
                assertThat(c.stats().pids()).contains(Long.parseLong(w.id()));
                assertThat(w.state()).isEqualTo("ready");
                assertThat(w.age()).isPositive();
                if (Files.isReadable(Path.of("/proc/self/status"))) {
                    assertThat(w.rssBytes()).isGreaterThan(1 << 20);
                }
            });
            assertThat(c.workers().stream().mapToLong(WorkerInfo::calls).sum()).isGreaterThanOrEqualTo(3); // 2 pings + 1
        }
    }

    @Test
    void aSocketWorkerIsItsEndpointAddress() {
        String sock = "unix:" + dir.resolve("w.sock");
        try (SocketWorker w = SocketWorker.start("--listen", sock)) {
            assertThat(w.address()).isEqualTo(sock); // listening now
            try (MoltClient c = MoltClient.builder().endpoints(sock).startTimeout(Duration.ofSeconds(30)).build()) {
                assertThat(c.call("echo", map("a", 1), SLOW).worker()).isEqualTo(sock);
                assertThat(c.workers()).singleElement().satisfies(info -> {
                    assertThat(info.id()).isEqualTo(sock);
                    assertThat(info.state()).isEqualTo("ready");
                    assertThat(info.rssBytes()).isEqualTo(-1);
                });
            }
        }
    }

    @Test
    void eachPositionCountsItsRestartsAndRecycles() {
        try (MoltClient c = MoltClient.builder().command(TestWorkers.testWorkerCommand()).poolSize(2)
                .recycleMaxCalls(6).recycleJitter(0).startTimeout(Duration.ofSeconds(60)).build()) {
            c.start();
            assertThat(c.workers()).hasSize(2).allSatisfy(w -> {
                assertThat(w.position()).isBetween(0, 1);
                assertThat(w.positionRestarts()).isZero();
                assertThat(w.positionRecycles()).isZero();
            });
            for (int i = 0; i < 30; i++) {
                c.call("echo", map("i", i), SLOW);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> c.stats().recycles() >= 2);
            // settled: both positions have a ready worker, and every recycle has been counted at its position
            await().atMost(Duration.ofSeconds(30)).until(() -> positions(c.workers()).equals(Set.of(0, 1))
                    && c.workers().stream().mapToLong(WorkerInfo::positionRecycles).sum() == c.stats().recycles());
            assertThat(c.workers()).allSatisfy(w -> assertThat(w.positionRestarts()).isZero());
        }
        // a worker that dies: its position counts one restart, the other none
        try (MoltClient c = MoltClient.builder().command(TestWorkers.testWorkerCommand()).poolSize(2)
                .startTimeout(Duration.ofSeconds(60)).build()) {
            c.start();
            assertThatThrownBy(() -> c.call("crash", map("code", 3), SLOW)).isInstanceOf(MoltAccelException.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> positions(c.workers()).equals(Set.of(0, 1))
                    && c.workers().stream().mapToLong(WorkerInfo::positionRestarts).sum() == 1);
            assertThat(c.workers()).filteredOn(w -> w.position() >= 0).extracting(WorkerInfo::positionRestarts)
                    .containsExactlyInAnyOrder(0L, 1L);
            assertThat(c.workers()).allSatisfy(w -> assertThat(w.positionRecycles()).isZero());
        }
    }

    private static Set<Integer> positions(List<WorkerInfo> workers) {
        return workers.stream().filter(w -> w.state().equals("ready")).map(WorkerInfo::position)
                .filter(p -> p >= 0).collect(Collectors.toSet());
    }
}
