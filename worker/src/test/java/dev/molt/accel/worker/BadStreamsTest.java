package dev.molt.accel.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.SharedVectors;
import dev.molt.accel.protocol.SharedVectors.BadStream;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every reference bad stream: answered InvalidInput and survived, or a clean end of the input. */
class BadStreamsTest {

    static List<BadStream> badStreams() {
        return SharedVectors.badStreams();
    }

    /** Streams that break the framing itself: they end the input. */
    static boolean endsStream(BadStream bad) {
        return bad.name().matches("bad/(truncated_.*|oversized_length|max_u32_length)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badStreams")
    void badStreamIsAnsweredOrEndsTheInputCleanly(BadStream bad) {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            InProcessWorker w = new InProcessWorker(Requests.testWorker().build());
            if (endsStream(bad)) {
                w.channel.sendRaw(bad.stream());
                w.closeInput();
                w.awaitServeReturn(Duration.ofSeconds(10));
                assertThat(w.channel.awaitEof(Duration.ofSeconds(10))).as("no response to a broken frame").isEmpty();
                return;
            }
            w.channel.sendRaw(bad.stream());
            w.channel.send(Wire.MSGPACK, Requests.ping(4242));
            FrameChannel.Received first = w.channel.nextFrame();
            ResponseEnvelope r = first.ok();
            assertThat(r.status()).as(r.toString()).isEqualTo(Status.INVALID_INPUT);
            assertThat(r.requestId()).isBetween(0L, 10L);
            assertThat(r.error()).isNotBlank();
            Wire wire = Envelopes.detectWire(Frames.read(new java.io.ByteArrayInputStream(bad.stream()),
                    Frames.DEFAULT_MAX_FRAME_BYTES));
            assertThat(first.wire()).as("answered in the wire of the bad frame").isEqualTo(wire);
            if (r.requestId() == 0) {
                assertThat(r.error()).startsWith("Invalid request");
                assertThat(r.codec()).isEqualTo(wire == Wire.JSON ? Codec.JSON : Codec.MSGPACK);
            }
            ResponseEnvelope pong = w.channel.next();
            assertThat(pong.requestId()).isEqualTo(4242);
            assertThat(pong.status()).isEqualTo(Status.OK);
            w.close();
            assertThat(w.channel.awaitEof(Duration.ofSeconds(10))).isEmpty();
        });
    }

    @Test
    void frameAboveAConfiguredLimitEndsTheInputWithoutAllocatingIt() {
        InProcessWorker w = new InProcessWorker(Requests.testWorker().maxFrameBytes(64).build());
        assertThat(w.channel.call(Requests.ping(1)).status()).isEqualTo(Status.OK);
        w.channel.sendRaw(new byte[] {65, 0, 0, 0});
        w.awaitServeReturn(Duration.ofSeconds(10));
        w.closeInput();
        assertThat(w.channel.awaitEof(Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void undecodableJsonEnvelopeIsAnsweredInJsonWithRequestIdZero() {
        try (InProcessWorker w = new InProcessWorker(Requests.testWorker().build())) {
            byte[] body = "{\"request_id\": \"x\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] frame = new byte[body.length + 4];
            frame[0] = (byte) body.length;
            System.arraycopy(body, 0, frame, 4, body.length);
            w.channel.sendRaw(frame);
            FrameChannel.Received got = w.channel.nextFrame();
            assertThat(got.wire()).isEqualTo(Wire.JSON);
            assertThat(got.ok().requestId()).isZero();
            assertThat(got.ok().codec()).isEqualTo(Codec.JSON);
            assertThat(got.ok().error()).startsWith("Invalid request");
        }
    }
}
