package dev.molt.accel.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executable jar as users run it: {@code java -jar molt-accel-demo.jar} with nothing else
 * installed starts the bundled worker from inside the jar (nested jars are not a plain class path),
 * serves {@code /offload/}, gives the simulated database settings to the worker and the baseline
 * alike, and leaves no process behind when it is stopped. Runs after {@code package} (failsafe).
 */
class PackagedJarIT {

    private static final Path JAR = Path.of("target/molt-accel-demo.jar");

    @TempDir
    Path dir;

    private Process app;

    @AfterEach
    void stop() throws InterruptedException {
        if (app != null && app.isAlive()) {
            List<ProcessHandle> children = app.descendants().toList();
            app.destroyForcibly();
            app.waitFor(10, TimeUnit.SECONDS);
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void javaDashJarStartsTheBundledWorkerAndServesBothEndpoints() throws Exception {
        assertThat(JAR).exists();
        int port = freePort();
        Path log = dir.resolve("app.log");
        // the worker's class-data archive goes to a cache directory of this test
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-Dmolt.accel.cache-dir=" + dir.resolve("cache"), "-jar",
                JAR.toAbsolutePath().toString(), "--server.port=" + port)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().remove("MOLT_WORKER_CMD");
        pb.environment().put("PATH", "/usr/bin:/bin"); // no molt-worker on PATH: the bundled worker it is
        pb.environment().put("MOLT_FAKE_DB_DELAY_MS", "40");
        app = pb.start();

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .failFast("the application exited", () -> !app.isAlive())
                .untilAsserted(() -> assertThat(health(port)).as(() -> tail(log)).isEqualTo(200));

        // the worker and the demo's spares (molt.accel.spare-workers), started once the first is ready;
        // the throw-away worker that writes the class-data archive may still be running: not a pool worker
        java.util.function.Supplier<List<ProcessHandle>> poolWorkers = () -> app.children()
                .filter(p -> !WorkerLifecycleTest.commandLine(p).contains("-XX:ArchiveClassesAtExit")).toList();
        int expected = 1 + DemoSettings.spareWorkers();
        await().atMost(Duration.ofSeconds(60)).until(() -> poolWorkers.get().size() == expected);
        List<ProcessHandle> workers = poolWorkers.get();
        assertThat(workers).as(() -> tail(log)).hasSize(expected);
        // the first workers start through Boot's launcher; once the jar is unpacked into the cache
        // directory (in the background), from its plain class path
        Path unpacked = dir.resolve("cache").resolve("boot");
        assertThat(workers).allSatisfy(w -> assertThat(WorkerLifecycleTest.commandLine(w)).contains("--stdio")
                .satisfiesAnyOf(
                        c -> assertThat(c).contains("-Dloader.main=dev.molt.accel.worker.MoltWorkerMain", "molt-accel-demo.jar"),
                        c -> assertThat(c).contains(unpacked.toString(), " dev.molt.accel.worker.MoltWorkerMain ")));

        // the worker's first calls on a loaded machine may miss the endpoint's 250 ms deadline
        Http.getUntilOk(port, "/offload/?user_id=1&limit=5");
        long t0 = System.nanoTime();
        Http.Answer offload = Http.get(port, "/offload/?user_id=1&limit=5");
        long offloadMillis = (System.nanoTime() - t0) / 1_000_000;
        t0 = System.nanoTime();
        Http.Answer baseline = Http.get(port, "/baseline/?user_id=1&limit=5");
        long baselineMillis = (System.nanoTime() - t0) / 1_000_000;

        assertThat(offload.status()).as(() -> offload.text() + "\n" + tail(log)).isEqualTo(200);
        assertThat(offload.body()).isEqualTo(baseline.body());
        // MOLT_FAKE_DB_DELAY_MS reached the application (baseline) and the worker (offload) alike
        assertThat(offloadMillis).isGreaterThanOrEqualTo(40);
        assertThat(baselineMillis).isGreaterThanOrEqualTo(40);
        assertThat(Http.get(port, "/health/").text()).isEqualTo("{\"ok\":true}");

        // a worker killed once the jar is unpacked is replaced by one started from the plain class path
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            try (java.util.stream.Stream<Path> s = Files.exists(unpacked) ? Files.list(unpacked) : java.util.stream.Stream.empty()) {
                return s.anyMatch(d -> Files.isRegularFile(d.resolve("classpath.txt")));
            }
        });
        List<ProcessHandle> all = new java.util.ArrayList<>(workers);
        for (ProcessHandle w : workers) {
            w.destroyForcibly();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> poolWorkers.get().stream()
                .anyMatch(p -> WorkerLifecycleTest.commandLine(p).contains(unpacked.toString())));
        all.addAll(poolWorkers.get());
        assertThat(Http.getUntilOk(port, "/offload/?user_id=1&limit=5").body()).isEqualTo(baseline.body());

        app.destroy(); // SIGTERM: Spring closes the context, which closes the workers
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).as(() -> tail(log)).isTrue();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(
                () -> assertThat(all).noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void aWorkerMainClassOfTheApplicationsOwnJarRunsFromTheExecutableJar() throws Exception {
        assertThat(JAR).exists();
        int port = freePort();
        Path log = dir.resolve("app.log");
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-Dmolt.accel.cache-dir=" + dir.resolve("cache"), "-jar", JAR.toAbsolutePath().toString(),
                "--server.port=" + port, "--molt.accel.worker.main-class=" + DemoWorker.class.getName(),
                "--molt.accel.spare-workers=0", "--molt.accel.worker.cds=false")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().remove("MOLT_WORKER_CMD");
        app = pb.start();

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .failFast("the application exited", () -> !app.isAlive())
                .untilAsserted(() -> assertThat(health(port)).as(() -> tail(log)).isEqualTo(200));
        await().atMost(Duration.ofSeconds(60)).until(() -> app.children().count() == 1);
        ProcessHandle worker = app.children().findFirst().orElseThrow();
        // the class is in BOOT-INF/classes of the jar: only Boot's launcher can load it
        assertThat(WorkerLifecycleTest.commandLine(worker))
                .contains("-Dloader.main=" + DemoWorker.class.getName())
                .contains("molt-accel-demo.jar")
                .doesNotContain("MoltWorkerMain");

        Http.getUntilOk(port, "/offload/?user_id=7&limit=3");
        Http.Answer offload = Http.get(port, "/offload/?user_id=7&limit=3");
        assertThat(offload.status()).as(() -> offload.text() + "\n" + tail(log)).isEqualTo(200);
        assertThat(offload.body()).isEqualTo(Http.get(port, "/baseline/?user_id=7&limit=3").body());

        app.destroy();
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).as(() -> tail(log)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> !worker.isAlive());
    }

    private static int health(int port) {
        try {
            return Http.get(port, "/actuator/health").status();
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
