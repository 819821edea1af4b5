package dev.molt.accel.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The application starts its worker processes when it starts (eagerly: the first request pays no
 * start-up) and closes them when its context closes, leaving no process behind.
 */
class WorkerLifecycleTest {

    @Test
    void contextStartsTheWorkersAndItsCloseEndsThem() {
        Set<Long> before = descendants();
        ConfigurableApplicationContext context = new SpringApplicationBuilder(DemoApplication.class)
                .run("--server.port=0", "--molt.accel.pool-size=2");
        List<ProcessHandle> workers;
        try {
            // the pool of 2 and the demo's spare workers (molt.accel.spare-workers), started once the first is ready
            int expected = 2 + DemoSettings.spareWorkers();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() ->
                    ProcessHandle.current().descendants().filter(p -> !before.contains(p.pid())).count() == expected);
            workers = ProcessHandle.current().descendants().filter(p -> !before.contains(p.pid())).toList();
            assertThat(workers).hasSize(expected);
            assertThat(workers).allSatisfy(w -> assertThat(commandLine(w)).contains("dev.molt.accel.worker.MoltWorkerMain"));
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            assertThat(Http.getUntilOk(port, "/offload/?user_id=1&limit=1").status()).isEqualTo(200);
        } finally {
            context.close();
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(workers).noneMatch(ProcessHandle::isAlive);
            assertThat(descendants()).isSubsetOf(before);
        });
    }

    /** The full command line (ProcessHandle.Info truncates long ones). */
    static String commandLine(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return p.info().commandLine().orElse("");
        }
    }

    private static Set<Long> descendants() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }
}
