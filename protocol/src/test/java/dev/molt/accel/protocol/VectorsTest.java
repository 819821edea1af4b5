package dev.molt.accel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.molt.accel.protocol.SharedVectors.BadStream;
import dev.molt.accel.protocol.SharedVectors.EnvelopeVector;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class VectorsTest {

    static List<EnvelopeVector> envelopes() {
        return SharedVectors.envelopes();
    }

    static List<BadStream> badStreams() {
        return SharedVectors.badStreams();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("envelopes")
    void vectorDecodesToItsMessageAndOurEncodingRoundTrips(EnvelopeVector v) throws IOException {
        assertThat(Frames.read(new ByteArrayInputStream(v.frame()), Frames.DEFAULT_MAX_FRAME_BYTES)).isEqualTo(v.body());
        assertThat(Envelopes.detectWire(v.body())).isEqualTo(v.wire());
        if (v.kind().equals("request")) {
            RequestEnvelope decoded = Envelopes.decodeRequest(v.body());
            assertThat(decoded).isEqualTo(expectedRequest(v.message()));
            byte[] ours = Envelopes.encodeRequestFrame(v.wire(), decoded, Frames.DEFAULT_MAX_FRAME_BYTES);
            byte[] body = Frames.read(new ByteArrayInputStream(ours), Frames.DEFAULT_MAX_FRAME_BYTES);
            assertThat(Envelopes.decodeRequest(v.wire(), body)).isEqualTo(decoded);
        } else {
            ResponseEnvelope decoded = Envelopes.decodeResponse(v.body());
            assertThat(decoded).isEqualTo(expectedResponse(v.message()));
            byte[] ours = Envelopes.encodeResponse(v.wire(), decoded);
            assertThat(Envelopes.decodeResponse(v.wire(), ours)).isEqualTo(decoded);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badStreams")
    void badStreamGivesADefinedError(BadStream bad) {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            ByteArrayInputStream in = new ByteArrayInputStream(bad.stream());
            byte[] body;
            try {
                body = Frames.read(in, Frames.DEFAULT_MAX_FRAME_BYTES);
            } catch (FrameTooLargeException | EOFException e) {
                assertThat(bad.name()).matches("bad/(truncated_.*|oversized_length|max_u32_length)");
                return;
            }
            assertThat(body).as("a complete frame").isNotNull();
            assertThatThrownBy(() -> {
                RequestEnvelope r = Envelopes.decodeRequest(body);
                // envelope may be fine while the payload is hostile: its codec must reject it
                Payloads.decode(r.codec(), r.payload());
            }).isInstanceOfAny(ProtocolException.class, PayloadException.class);
        });
    }

    static RequestEnvelope expectedRequest(JsonNode m) {
        return new RequestEnvelope(m.get("request_id").bigIntegerValue().longValue(), m.get("entry").asText(),
                m.get("timeout_ms").asLong(), Codec.of(m.get("codec").asText()), bytes(m.get("payload")));
    }

    static ResponseEnvelope expectedResponse(JsonNode m) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (m.has("metrics")) {
            m.get("metrics").fields().forEachRemaining(e ->
                    metrics.put(e.getKey(), e.getValue().isNumber() ? (Object) e.getValue().asLong() : e.getValue().asText()));
        }
        return new ResponseEnvelope(m.get("request_id").asLong(), Status.lookup(m.get("status").asText()),
                Codec.of(m.get("codec").asText()), m.has("payload") ? bytes(m.get("payload")) : null,
                m.has("error") ? m.get("error").asText() : null, metrics,
                m.has("entry") ? m.get("entry").asText() : null,
                m.has("compiled") ? m.get("compiled").asLong() : null);
    }

    static byte[] bytes(JsonNode node) {
        return node == null ? new byte[0] : SharedVectors.hex(node.get("$bytes_hex").asText());
    }
}
