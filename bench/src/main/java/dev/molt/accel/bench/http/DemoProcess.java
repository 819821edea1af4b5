package dev.molt.accel.bench.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The demo application as a child process for one benchmark scenario: {@code java -jar
 * molt-accel-demo.jar --server.port=<free port>} with the scenario's environment, its output in a log
 * file, readiness awaited on {@code /actuator/health}. {@link #close()} stops it (SIGTERM, then
 * SIGKILL for it and any process it left). Not thread-safe.
 */
final class DemoProcess implements AutoCloseable {

    /** Variables the benchmark sets per scenario; inherited values would make runs incomparable. */
    static final List<String> SCENARIO_VARIABLES = List.of("MOLT_FAKE_DB_DELAY_MS", "MOLT_FAKE_DB_DECODE_US_PER_ROW",
            "MOLT_FAKE_DB_CPU_ITERS", "MOLT_ACCEL_POOL_SIZE", "MOLT_WORKER_THREADS", "MOLT_WORKER_MAX_QUEUE",
            "MOLT_ACCEL_CLIENT_MODE");

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** Stops the application when the benchmark itself is stopped (Ctrl-C, SIGTERM) while it runs. */
    private final Thread shutdownHook;

    private DemoProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.shutdownHook = new Thread(this::stop, "molt-bench-stop-demo");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts the demo jar with the current JVM's {@code java}.
     *
     * @param env variables set for the application (and so for its workers, which inherit them)
     * @param javaOptions options of the application's JVM
     */
    static DemoProcess start(Path jar, Map<String, String> env, List<String> javaOptions, Path log) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IOException("Demo jar not found: " + jar + " (build it: mvn -B -DskipTests package)");
        }
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(javaOptions);
        cmd.add("-jar");
        cmd.add(jar.toAbsolutePath().toString());
        cmd.add("--server.port=" + port);
        cmd.add("--server.address=127.0.0.1");
        cmd.add("--demo.moltworker.reset-enabled=true"); // the timings are reset before each run
        ProcessBuilder pb = new ProcessBuilder(cmd);
        SCENARIO_VARIABLES.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        Files.createDirectories(log.getParent());
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        return new DemoProcess(pb.start(), port, log);
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** Waits until {@code /actuator/health} answers 200 (the application and its workers are up). */
    void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                throw new IOException("The demo application exited with " + process.exitValue() + " before it was ready:\n"
                        + tail(40));
            }
            try {
                HttpResponse<String> r = http.send(request("/actuator/health").GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        throw new IOException("The demo application was not ready within " + timeout + " (last: " + last + "):\n" + tail(40));
    }

    /** GET {@code path}; the body, or an exception for a non-2xx answer. */
    String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** DELETE {@code path}, expecting 2xx. */
    void delete(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(path).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException("DELETE " + path + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    }

    /** The last {@code lines} lines of the application's output. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops the application: SIGTERM (it closes its workers), then SIGKILL for whatever is left. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs stop()
        }
        stop();
    }

    private void stop() {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        boolean interrupted = false;
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                System.err.println("molt-bench: the demo application did not stop within 20 s; killing it");
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            interrupted = true;
            process.destroyForcibly();
        }
        for (ProcessHandle d : descendants) {
            if (d.isAlive()) {
                System.err.println("molt-bench: process " + d.pid() + " outlived the demo application; killing it");
                d.destroyForcibly();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
