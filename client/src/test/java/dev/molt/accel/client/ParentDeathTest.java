package dev.molt.accel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A worker whose parent dies sees stdin EOF and exits on its own. */
class ParentDeathTest {

    @Test
    void workerExitsWhenItsParentIsKilled() throws Exception {
        List<String> cmd = WorkerLauncher.bundledCommand(OrphanParent.class.getName(), List.of(), List.of());
        Process parent = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long workerPid;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
                String line = r.readLine();
                assertThat(line).startsWith("worker-pid ");
                workerPid = Long.parseLong(line.substring("worker-pid ".length()).trim());
            }
            assertThat(exited(workerPid)).isFalse();
            parent.destroyForcibly();
            long t0 = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> exited(workerPid));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.err.println("ParentDeathTest: worker exited " + ms + " ms after its parent was killed");
            // stdin EOF ends it at once: milliseconds here, 1.5 s seen on a heavily loaded machine
            assertThat(ms).isLessThan(5_000);
        } finally {
            parent.destroyForcibly();
            parent.waitFor();
        }
    }

    /**
     * Whether the process has ended: gone, or a zombie. An orphan is reaped by whatever process
     * adopts it, which may take a while; its own exit is what counts here.
     */
    private static boolean exited(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException e) {
            return true;
        }
    }
}
