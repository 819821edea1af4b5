package dev.molt.accel.worker;

import static dev.molt.accel.worker.Requests.ping;
import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sequential {@code __ping__} round trips from this JVM to one real worker process over stdio, a
 * Unix socket, loopback TCP and loopback TLS 1.3 (mutual), printed as median and p99. The bound
 * asserted is loose (a round trip well under 50 ms at the median): it catches a transport that
 * waits on a timer or flushes late, not a slow machine.
 */
class SocketRoundTripTest {

    private static final int WARMUP = 3_000;
    private static final int MEASURED = 5_000;

    @TempDir
    Path dir;

    @Test
    void pingRoundTripsPerTransport() {
        TestPki pki = TestPki.create(dir);
        String sock = "unix:" + dir.resolve("w.sock");
        try (WorkerProcess w = WorkerProcess.testWorker(Map.of(), "--stdio", "--listen", sock, "--listen",
                "tcp://127.0.0.1:0", "--listen", "tls://127.0.0.1:0", "--tls-cert", pki.crt("server").toString(),
                "--tls-key", pki.key("server").toString(), "--tls-client-ca", pki.crt("ca").toString())) {
            List<String> addresses = w.listeningOn(3);
            StringBuilder report = new StringBuilder("ping round trip (sequential, " + MEASURED + " after "
                    + WARMUP + " warm-up), median / p99 in microseconds:\n");
            report.append(measure("stdio", w.channel));
            for (String a : addresses) {
                try (SocketClient c = a.startsWith("tls://") ? SocketClient.tls(a, pki.clientContext("client", "ca"))
                        : SocketClient.connect(a)) {
                    report.append(measure(a.substring(0, a.indexOf(':')), c.channel));
                }
            }
            System.out.print(report);
            w.closeInputAndAwaitEof();
            assertThat(w.awaitExit(Duration.ofSeconds(60))).isZero();
        }
    }

    private static String measure(String name, FrameChannel c) {
        long id = 1;
        for (int i = 0; i < WARMUP; i++) {
            c.call(Wire.MSGPACK, ping(id++));
        }
        long[] us = new long[MEASURED];
        for (int i = 0; i < MEASURED; i++) {
            long t0 = System.nanoTime();
            c.send(Wire.MSGPACK, ping(id++));
            assertThat(c.next().status()).isEqualTo(Status.OK);
            us[i] = (System.nanoTime() - t0) / 1000;
        }
        Arrays.sort(us);
        long median = us[MEASURED / 2];
        long p99 = us[(int) (MEASURED * 0.99)];
        assertThat(median).as(name + " median round trip in us").isLessThan(50_000L);
        return String.format("  %-5s %6d / %6d%n", name, median, p99);
    }
}
