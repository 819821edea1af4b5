package dev.molt.accel.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.Wire;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The benchmark's floor process and its statistics; the benchmark itself is run by hand. */
@Timeout(60)
class EchoFloorTest {

    @AfterAll
    static void noChildOutlivesTheTests() {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(ProcessHandle.current().descendants().toList()).isEmpty());
    }

    @Test
    void echoesFramesUnchangedAndExitsAtEndOfInput() throws Exception {
        String javaCmd = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(List.of(javaCmd, "-Xlog:all=warning:stderr", "-cp",
                System.getProperty("java.class.path"), EchoFloor.class.getName()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] ping = Envelopes.encodeRequestFrame(Wire.MSGPACK, RequestEnvelope.ping(7, 250), 1 << 20);
        byte[] big = new byte[Frames.HEADER_BYTES + 100_000];
        big[Frames.HEADER_BYTES + 99_999] = 42;
        Frames.sealFrame(big, 1 << 20);
        try (OutputStream out = p.getOutputStream(); InputStream in = p.getInputStream()) {
            // two frames in one write: both come back, in order
            out.write(ping);
            out.write(big);
            out.flush();
            assertThat(Frames.read(in, 1 << 20)).isEqualTo(Arrays.copyOfRange(ping, 4, ping.length));
            assertThat(Frames.read(in, 1 << 20)).hasSize(100_000).endsWith(42);
            out.close();
            assertThat(Frames.read(in, 1 << 20)).isNull();
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void percentilesAreNearestRank() {
        Samples s = new Samples(100);
        for (int i = 100; i >= 1; i--) {
            s.add(i);
        }
        assertThat(s.median()).isEqualTo(50);
        assertThat(s.percentile(99)).isEqualTo(99);
        assertThat(s.percentile(100)).isEqualTo(100);
        assertThat(s.percentile(0)).isEqualTo(1);
        assertThat(s.meanNanos()).isEqualTo(50.5);
    }

    @Test
    void settingsParseAndRejectUnknownArguments() {
        ProtocolBench.Settings quick = ProtocolBench.Settings.parse(new String[] {"--quick", "--no-write", "--driver", "async"});
        assertThat(quick.quick()).isTrue();
        assertThat(quick.outDir()).isNull();
        assertThat(quick.drivers()).containsExactly("async");
        assertThat(ProtocolBench.Settings.parse(new String[] {"--help"})).isNull();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ProtocolBench.Settings.parse(new String[] {"--fast"}))
                .withMessageContaining("--fast");
    }
}
