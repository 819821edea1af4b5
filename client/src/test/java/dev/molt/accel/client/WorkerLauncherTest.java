package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerLauncherTest {

    @Test
    void classPathEntriesAreMadeAbsoluteWildcardsKept() {
        String cwd = Path.of("").toAbsolutePath().toString();
        String given = String.join(File.pathSeparator, "a.jar", "lib/*", "/opt/x/b.jar", "", "classes/../other");
        assertThat(WorkerLauncher.absoluteClassPath(given).split(File.pathSeparator)).containsExactly(
                cwd + "/a.jar", cwd + "/lib/*", "/opt/x/b.jar", cwd + "/other");
    }

    @Test
    void javaOptionsApplyToAJavaWorkerWhicheverIsSetFirst() {
        MoltClientBuilder b = MoltClient.builder().javaWorker(TestWorkers.TEST_WORKER, "--stdio")
                .javaOptions(List.of("-Dmolt.test.marker=late"));
        List<String> command = WorkerLauncher.resolve(b).command();
        assertThat(command).contains("-Dmolt.test.marker=late");
        assertThat(command.subList(command.size() - 2, command.size())).containsExactly(TestWorkers.TEST_WORKER, "--stdio");
    }

    @Test
    void serialCollectorUnlessTheOptionsChooseOne() {
        assertThat(WorkerLauncher.bundledCommand("x.Main", List.of("-Xmx64m"), List.of()))
                .contains("-XX:+UseSerialGC", "-Xmx64m");
        assertThat(WorkerLauncher.bundledCommand("x.Main", List.of("-XX:+UseG1GC"), List.of()))
                .contains("-XX:+UseG1GC").doesNotContain("-XX:+UseSerialGC");
    }

    @Test
    void aJavaWorkerRunsInAnotherWorkingDirectory(@TempDir Path dir) throws Exception {
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        try (MoltClient client = TestWorkers.testWorker().workingDirectory(elsewhere).build()) {
            MoltResult r = client.call("echo", map("where", "elsewhere"),
                    CallOptions.builder().timeout(Duration.ofSeconds(20)).build());
            assertThat(r.value()).isEqualTo(map("where", "elsewhere"));
        }
        TestWorkers.assertNoChildren();
    }
}
