package dev.molt.accel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * An endpoint that refuses every connection, retried in the background for seconds: its failures
 * are logged at WARN only at the 1st, 2nd, 4th, 8th, ... failure in a row (DEBUG in between), both
 * the endpoint's ejection and its slot's failed reconnect. The log is read from stderr, where the
 * tests' SLF4J binding writes WARN and above.
 */
class EndpointsFailureLogTest {

    /** Writes to stderr and keeps a copy. */
    private static final class Tee extends OutputStream {
        private final PrintStream original;
        private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

        Tee(PrintStream original) {
            this.original = original;
        }

        @Override
        public synchronized void write(int b) {
            original.write(b);
            copy.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            original.write(b, off, len);
            copy.write(b, off, len);
        }

        @Override
        public synchronized void flush() {
            original.flush();
        }

        synchronized String text() {
            return copy.toString(StandardCharsets.UTF_8);
        }
    }

    /** The number after {@code marker} in {@code line} (digits only, so bounded by the line). */
    private static int numberAfter(String line, String marker) {
        int i = line.indexOf(marker);
        assertThat(i).as("'%s' in: %s", marker, line).isNotNegative();
        int at = i + marker.length();
        int end = at;
        while (end < line.length() && end - at < 9 && Character.isDigit(line.charAt(end))) {
            end++;
        }
        return Integer.parseInt(line.substring(at, end));
    }

    private static List<Integer> powersOfTwoUpTo(int n) {
        List<Integer> out = new ArrayList<>();
        for (int p = 1; p <= n; p <<= 1) {
            out.add(p);
        }
        return out;
    }

    @Test
    void aRefusedEndpointWarnsAtTheFirstSecondFourthAndEighthFailureInARow() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
            port = s.getLocalPort();
        }
        String refused = "tcp://127.0.0.2:" + port;
        PrintStream originalErr = System.err;
        Tee tee = new Tee(originalErr);
        EndpointState last;
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        try {
            try (MoltClient c = MoltClient.builder().endpoints(refused).name("refused-log")
                    .restartBackoff(Duration.ofMillis(1), Duration.ofMillis(20)).closeTimeout(Duration.ofSeconds(5))
                    .startTimeout(Duration.ofSeconds(30)).build()) {
                assertThatThrownBy(c::start).isInstanceOf(MoltWorkerUnavailableException.class).hasMessageContaining(refused);
                // retried in the background (a tick every 250 ms) with no call made
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .until(() -> c.endpoints().get(0).failures() >= 10);
                c.close();
                last = c.endpoints().get(0); // final: nothing retries once closed
            }
        } finally {
            System.setErr(originalErr);
        }
        assertThat(last.state()).isEqualTo(EndpointState.State.DOWN);
        assertThat(last.reason()).isEqualTo("refused");
        List<Integer> ejections = new ArrayList<>();
        Map<Integer, List<Integer>> slots = new TreeMap<>();
        for (String line : tee.text().split("\\R")) {
            if (!line.contains(refused)) {
                continue;
            }
            if (line.contains("Endpoint " + refused + " ejected")) {
                assertThat(line).contains(" WARN ");
                ejections.add(numberAfter(line, "(refused, "));
            } else if (line.contains("Worker start failed (slot ")) {
                assertThat(line).contains(" WARN ");
                slots.computeIfAbsent(numberAfter(line, "(slot "), k -> new ArrayList<>())
                        .add(numberAfter(line, ", "));
            }
        }
        assertThat(ejections).as("the endpoint's WARN lines, by failures in a row (%s failures)", last.failures())
                .isEqualTo(powersOfTwoUpTo(last.failures()));
        assertThat(slots).as("one slot, one connection per endpoint").hasSize(1);
        List<Integer> slot = slots.values().iterator().next();
        // the slot fails at least as often as its endpoint (an ejected endpoint fails it without dialling)
        assertThat(slot).as("the slot's WARN lines, by failures in a row").startsWith(1, 2, 4, 8)
                .isEqualTo(powersOfTwoUpTo(slot.get(slot.size() - 1)));
    }
}
