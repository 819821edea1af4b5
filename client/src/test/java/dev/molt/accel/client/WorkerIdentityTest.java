package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
}
