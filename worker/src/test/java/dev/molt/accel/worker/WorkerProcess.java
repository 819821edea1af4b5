package dev.molt.accel.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.test.worker.TestWorker;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real worker JVM started as a child process, talked to over its stdin/stdout; stderr is collected. */
final class WorkerProcess implements AutoCloseable {

    final Process process;
    final FrameChannel channel;
    private final StringBuffer stderr = new StringBuffer();
    private final Thread drainer;

    private WorkerProcess(Process process) {
        this.process = process;
        this.channel = new FrameChannel(process.getOutputStream(), process.getInputStream());
        this.drainer = new Thread(() -> drain(process.getErrorStream()), "test-stderr-" + process.pid());
        this.drainer.setDaemon(true);
        this.drainer.start();
    }

    static WorkerProcess start(String mainClass, Map<String, String> env, String... args) {
        ProcessBuilder pb = new ProcessBuilder(TestWorker.javaCommand(mainClass, args));
        pb.environment().keySet().removeIf(k -> k.startsWith("MOLT_"));
        pb.environment().putAll(env);
        try {
            return new WorkerProcess(pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static WorkerProcess main(String... args) {
        return start(MoltWorkerMain.class.getName(), Map.of(), args);
    }

    static WorkerProcess testWorker(Map<String, String> env, String... args) {
        return start(TestWorker.class.getName(), env, args);
    }

    private void drain(InputStream err) {
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = err.read(buf)) >= 0) {
                stderr.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // process gone
        }
    }

    /** Waits for the process to exit and for its stderr to be read to the end. */
    int awaitExit(Duration timeout) {
        try {
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(exited).as("worker process exited within " + timeout + "; stderr:\n" + stderr).isTrue();
            drainer.join(timeout.toMillis());
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    String stderr() {
        return stderr.toString();
    }

    /** The addresses the worker printed as {@code molt-worker: listening on ADDRESS}, once {@code n} are there. */
    List<String> listeningOn(int n) {
        String prefix = "molt-worker: listening on ";
        java.util.concurrent.atomic.AtomicReference<List<String>> found = new java.util.concurrent.atomic.AtomicReference<>();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
            assertThat(process.isAlive() || stderr().contains(prefix)).as("worker alive; stderr:\n" + stderr()).isTrue();
            List<String> out = new java.util.ArrayList<>();
            for (String line : stderr().split("\\R")) {
                if (line.startsWith(prefix)) {
                    out.add(line.substring(prefix.length()).trim());
                }
            }
            found.set(out);
            return out.size() >= n;
        });
        return found.get();
    }

    List<FrameChannel.Received> closeInputAndAwaitEof() {
        channel.closeOutput();
        return channel.awaitEof(FrameChannel.WAIT);
    }

    @Override
    public void close() {
        channel.closeOutput();
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            process.getInputStream().close();
            process.getErrorStream().close();
        } catch (IOException e) {
            // best effort
        }
    }
}
