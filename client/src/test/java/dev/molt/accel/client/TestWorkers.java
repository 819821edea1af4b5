package dev.molt.accel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Builders for clients over the scriptable test worker, and leak checks. */
final class TestWorkers {

    static final String TEST_WORKER = "dev.molt.accel.test.worker.TestWorker";

    private TestWorkers() {
    }

    static MoltClientBuilder testWorker(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "--stdio";
        System.arraycopy(args, 0, all, 1, args.length);
        return MoltClient.builder().javaWorker(TEST_WORKER, all).closeTimeout(Duration.ofSeconds(5));
    }

    static List<String> testWorkerCommand(String... args) {
        return WorkerLauncher.resolve(testWorker(args)).command();
    }

    static Map<String, Object> map(Object... kv) {
        java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Waits until this JVM has no child processes left. */
    static void assertNoChildren() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList()).isEmpty());
    }

    /** Waits until the only live children are {@code pids}. */
    static void assertNoChildrenExcept(List<Long> pids) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                        .toList()).containsExactlyInAnyOrderElementsOf(pids));
    }

    /** Waits until no molt-accel thread is left. */
    static void assertNoClientThreads() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(Thread.getAllStackTraces().keySet().stream()
                        .filter(Thread::isAlive)
                        .map(Thread::getName)
                        .filter(n -> n.startsWith("molt-accel-"))
                        .toList()).isEmpty());
    }

    static void signal(long pid, String signal) throws IOException, InterruptedException {
        assertThat(signalQuietly(pid, signal)).as("kill -" + signal + " " + pid).isZero();
    }

    /** Sends a signal to a process that may be gone already; returns kill's exit code. */
    static int signalQuietly(long pid, String signal) throws IOException, InterruptedException {
        return new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }
}
