package dev.molt.accel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.test.worker.TestWorker;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test worker process serving sockets ({@code --listen}), and its stdio too so that it ends with
 * this JVM (its stdin closes). The addresses it bound are read from its stderr.
 */
final class SocketWorker implements AutoCloseable {

    private static final String LISTENING = "molt-worker: listening on ";

    final Process process;
    private final StringBuffer stderr = new StringBuffer();

    private SocketWorker(Process process) {
        this.process = process;
        Thread t = new Thread(() -> drain(process.getErrorStream()), "test-stderr-" + process.pid());
        t.setDaemon(true);
        t.start();
    }

    /** Starts a worker with these arguments ({@code --listen ...}, TLS files) besides {@code --stdio}. */
    static SocketWorker start(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "--stdio";
        System.arraycopy(args, 0, all, 1, args.length);
        ProcessBuilder pb = new ProcessBuilder(TestWorker.command(all));
        pb.environment().keySet().removeIf(k -> k.startsWith("MOLT_"));
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        try {
            return new SocketWorker(pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    /** The bound addresses, once {@code n} are printed (60 s at most: a cold JVM on a loaded machine). */
    List<String> addresses(int n) {
        List<String> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
            assertThat(process.isAlive()).as("worker alive; stderr:\n" + stderr).isTrue();
            found.clear();
            for (String line : stderr.toString().split("\\R")) {
                if (line.startsWith(LISTENING)) {
                    found.add(line.substring(LISTENING.length()).trim());
                }
            }
            return found.size() >= n;
        });
        return List.copyOf(found);
    }

    String address() {
        return addresses(1).get(0);
    }

    String stderr() {
        return stderr.toString();
    }

    /** SIGKILL, and waits for the process to be gone. */
    void kill() {
        process.destroyForcibly();
        try {
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
