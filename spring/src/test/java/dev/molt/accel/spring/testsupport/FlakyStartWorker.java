package dev.molt.accel.spring.testsupport;

import dev.molt.accel.test.worker.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A TestWorker that refuses to start (exit code 3) while the file named by {@code MOLT_TEST_GATE}
 * does not exist: a worker that "cannot start" until the test opens the gate.
 */
public final class FlakyStartWorker {

    private FlakyStartWorker() {
    }

    public static void main(String[] args) throws Exception {
        String gate = System.getenv("MOLT_TEST_GATE");
        if (gate != null && !Files.exists(Path.of(gate))) {
            System.err.println("FlakyStartWorker: gate " + gate + " is closed; exiting");
            System.exit(3);
        }
        TestWorker.main(args);
    }
}
