package dev.molt.accel.bench.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Bundled worker processes that the demo reaches as endpoints instead of starting its own: {@code
 * unix} (one Unix socket each, a sidecar's set-up) or {@code tcp} (loopback). Started with this JVM's
 * class path (the bench jar holds the worker) and the scenario's environment, like the workers the
 * demo would start; their stderr goes to a log. {@link #close()} ends them (stdin EOF, then SIGKILL).
 * Not thread-safe.
 */
final class Sidecars implements AutoCloseable {

    private static final String LISTENING = "molt-worker: listening on ";

    private final List<Process> processes = new ArrayList<>();
    private final List<String> endpoints = new ArrayList<>();
    private final Path dir;
    private final String transport;

    private Sidecars(Path dir, String transport) {
        this.dir = dir;
        this.transport = transport;
    }

    String transport() {
        return transport;
    }

    /** Starts {@code n} workers for {@code transport} ({@code unix} or {@code tcp}) and waits until each listens. */
    static Sidecars start(String transport, int n, Map<String, String> env, Path log) throws IOException, InterruptedException {
        Sidecars s = new Sidecars(Files.createTempDirectory("molt-bench-sidecar"), transport);
        try {
            Files.createDirectories(log.getParent());
            String java = ProcessHandle.current().info().command().orElse("java");
            for (int i = 0; i < n; i++) {
                String listen = transport.equals("unix") ? "unix:" + s.dir.resolve("w" + i + ".sock") : "tcp://127.0.0.1:0";
                Path out = log.resolveSibling(log.getFileName() + "." + i);
                ProcessBuilder pb = new ProcessBuilder(java, "-Xlog:all=warning:stderr", "-XX:+UseSerialGC", "-cp",
                        System.getProperty("java.class.path"), "dev.molt.accel.worker.MoltWorkerMain", "--stdio",
                        "--warmup", "--listen", listen);
                DemoProcess.SCENARIO_VARIABLES.forEach(pb.environment()::remove);
                pb.environment().putAll(env);
                pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
                pb.redirectError(out.toFile());
                s.processes.add(pb.start());
                s.endpoints.add(awaitListening(s.processes.get(i), out, Duration.ofSeconds(60)));
            }
            return s;
        } catch (IOException | RuntimeException | InterruptedException e) {
            s.close();
            throw e;
        }
    }

    private static String awaitListening(Process p, Path log, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    if (line.startsWith(LISTENING)) {
                        return line.substring(LISTENING.length()).trim();
                    }
                }
            }
            if (!p.isAlive()) {
                throw new IOException("sidecar worker exited with " + p.exitValue() + " (log " + log + ")");
            }
            Thread.sleep(50);
        }
        throw new IOException("sidecar worker did not listen within " + limit.toSeconds() + " s (log " + log + ")");
    }

    List<String> endpoints() {
        return List.copyOf(endpoints);
    }

    List<Long> pids() {
        return processes.stream().map(Process::pid).toList();
    }

    @Override
    public void close() {
        for (Process p : processes) {
            try {
                p.getOutputStream().close();
            } catch (IOException e) {
                p.destroyForcibly();
            }
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temp directory left behind
        }
    }
}
