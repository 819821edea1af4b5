package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static dev.molt.accel.client.TestWorkers.testWorker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Restarting workers again and again leaks no file descriptor, thread or process. */
class RestartResourcesTest {

    @Test
    void restartLoopKeepsDescriptorsThreadsAndChildrenFlat() throws IOException {
        // each iteration waits for a new worker JVM: generous bounds for a loaded machine
        CallOptions slow = CallOptions.builder().timeout(Duration.ofSeconds(60)).build();
        try (MoltClient client = testWorker().startTimeout(Duration.ofSeconds(60)).build()) {
            client.call("echo", map(), slow);
            int fdsBefore = openDescriptors();
            int threadsBefore = Thread.activeCount();
            int iterations = Integer.getInteger("molt.restart.iterations", 15);
            for (int i = 0; i < iterations; i++) {
                assertThatThrownBy(() -> client.call("crash", map("code", 3), slow))
                        .isInstanceOf(MoltWorkerUnavailableException.class);
                client.call("echo", map("i", i), slow);
            }
            TestWorkers.assertNoChildrenExcept(client.stats().pids());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                assertThat(openDescriptors()).isLessThanOrEqualTo(fdsBefore + 2);
                assertThat(Thread.activeCount()).isLessThanOrEqualTo(threadsBefore + 1);
            });
            assertThat(client.stats().restarts()).isEqualTo(iterations);
        }
        TestWorkers.assertNoChildren();
    }

    static int openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }
}
