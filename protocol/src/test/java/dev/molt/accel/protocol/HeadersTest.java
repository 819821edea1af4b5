package dev.molt.accel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/** The optional {@code headers} request field (PROTOCOL.md section 3) on both wires. */
class HeadersTest {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @ParameterizedTest
    @EnumSource(Wire.class)
    void headersRoundTripInOrder(Wire wire) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("traceparent", TRACEPARENT);
        headers.put("baggage", "user=ünïcødé,k=v");
        headers.put("x-correlation-id", "");
        RequestEnvelope r = new RequestEnvelope(42, "compute", 1500, Codec.MSGPACK, new byte[] {1, 2}, headers);

        RequestEnvelope back = Envelopes.decodeRequest(Envelopes.encodeRequest(wire, r));

        assertThat(back).isEqualTo(r);
        assertThat(back.headers()).containsExactlyEntriesOf(headers);
        assertThatThrownBy(() -> back.headers().put("a", "b")).isInstanceOf(UnsupportedOperationException.class);
        byte[] frame = Envelopes.encodeRequestFrame(wire, r, Frames.DEFAULT_MAX_FRAME_BYTES);
        byte[] body = java.util.Arrays.copyOfRange(frame, Frames.HEADER_BYTES, frame.length);
        assertThat(Envelopes.decodeRequest(wire, body).headers()).containsExactlyEntriesOf(headers);
    }

    @ParameterizedTest
    @EnumSource(Wire.class)
    void noHeadersIsAbsentOnTheWire(Wire wire) {
        RequestEnvelope r = new RequestEnvelope(1, "compute", 0, Codec.RAW, new byte[0]);
        assertThat(r.headers()).isEmpty();
        assertThat(new RequestEnvelope(1, "compute", 0, Codec.RAW, new byte[0], null)).isEqualTo(r);
        byte[] body = Envelopes.encodeRequest(wire, r);
        assertThat(new String(body, StandardCharsets.ISO_8859_1)).doesNotContain("headers");
        assertThat(Envelopes.decodeRequest(body).headers()).isEmpty();
    }

    @Test
    void headersAreCopiedAndShownOnlyAsACount() {
        Map<String, String> headers = new LinkedHashMap<>(Map.of("traceparent", TRACEPARENT));
        RequestEnvelope r = new RequestEnvelope(1, "e", 0, Codec.RAW, null, headers);
        headers.put("later", "x");
        assertThat(r.headers()).containsOnlyKeys("traceparent");
        assertThat(r.toString()).contains("headers=1").doesNotContain("4bf92f35");
        assertThat(r).isNotEqualTo(new RequestEnvelope(1, "e", 0, Codec.RAW, null));
        assertThat(r.hashCode()).isEqualTo(new RequestEnvelope(1, "e", 0, Codec.RAW, null, Map.of("traceparent",
                TRACEPARENT)).hashCode());
    }

    @Test
    void jsonHeadersAreAnObjectOfStrings() {
        String json = "{\"request_id\":3,\"entry\":\"e\",\"timeout_ms\":0,\"codec\":\"raw\","
                + "\"headers\":{\"a\":\"1\",\"b\":\"2\"},\"future_field\":{\"x\":[1]}}";
        RequestEnvelope r = Envelopes.decodeRequest(json.getBytes(StandardCharsets.UTF_8));
        assertThat(r.headers()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
        String nullHeaders = "{\"request_id\":3,\"entry\":\"e\",\"timeout_ms\":0,\"codec\":\"raw\",\"headers\":null}";
        assertThat(Envelopes.decodeRequest(nullHeaders.getBytes(StandardCharsets.UTF_8)).headers()).isEmpty();
    }

    @Test
    void aResponseIgnoresAHeadersField() {
        String json = "{\"request_id\":3,\"status\":\"Ok\",\"codec\":\"raw\",\"headers\":{\"a\":1}}";
        assertThat(Envelopes.decodeResponse(json.getBytes(StandardCharsets.UTF_8)).requestId()).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(Wire.class)
    void thirtyTwoEntriesAndEightKibibytesAreTheLimits(Wire wire) {
        Map<String, String> most = new LinkedHashMap<>();
        for (int i = 0; i < RequestEnvelope.MAX_HEADERS; i++) {
            most.put(String.format("h%02d", i), "");
        }
        // 32 names of 3 bytes, and the rest of 8 KiB in one value of two-byte characters
        String big = "é".repeat((RequestEnvelope.MAX_HEADER_BYTES - 32 * 3) / 2);
        most.put("h00", big);
        assertThat(RequestEnvelope.checkHeaders(most)).isSameAs(most);
        RequestEnvelope fits = new RequestEnvelope(5, "e", 0, Codec.RAW, null, most);
        assertThat(Envelopes.decodeRequest(Envelopes.encodeRequest(wire, fits))).isEqualTo(fits);

        Map<String, String> tooMany = new LinkedHashMap<>(most);
        tooMany.put("h32", "");
        assertRejected(wire, tooMany, "Invalid request: headers has");
        Map<String, String> tooLarge = new LinkedHashMap<>(most);
        tooLarge.put("h01", "x");
        assertRejected(wire, tooLarge, "Invalid request: headers exceed 8192 bytes");
        assertThatThrownBy(() -> RequestEnvelope.checkHeaders(tooMany)).hasMessageContaining("at most 32");
        assertThatThrownBy(() -> RequestEnvelope.checkHeaders(tooLarge)).hasMessageContaining("at most 8192");
        assertThatThrownBy(() -> RequestEnvelope.checkHeaders(Map.of("", "v"))).hasMessageContaining("empty");
    }

    private static void assertRejected(Wire wire, Map<String, String> headers, String message) {
        // the encoder carries what it is given; the receiver enforces the limits
        byte[] body = Envelopes.encodeRequest(wire, new RequestEnvelope(77, "e", 0, Codec.RAW, null, headers));
        assertThatThrownBy(() -> Envelopes.decodeRequest(wire, body))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.requestId()).isEqualTo(77))
                .hasMessageStartingWith(message);
    }

    @Test
    void nonStringNamesOrValuesAreRejectedWithTheRequestId() throws IOException {
        for (int kind = 0; kind < 4; kind++) {
            try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
                p.packMapHeader(5).packString("request_id").packLong(12).packString("entry").packString("e")
                        .packString("timeout_ms").packLong(0).packString("codec").packString("raw");
                p.packString("headers");
                switch (kind) {
                    case 0 -> p.packMapHeader(1).packInt(1).packString("v");
                    case 1 -> p.packMapHeader(1).packString("k").packInt(1);
                    case 2 -> p.packMapHeader(1).packString("k").packNil();
                    default -> p.packArrayHeader(1).packString("k");
                }
                byte[] body = p.toByteArray();
                assertThatThrownBy(() -> Envelopes.decodeRequest(body))
                        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.requestId()).isEqualTo(12))
                        .hasMessage("Invalid request: headers must be a map of strings");
            }
        }
        for (String headers : new String[] {"{\"k\":1}", "{\"k\":null}", "{\"k\":{}}", "[\"k\"]", "\"k\""}) {
            byte[] body = ("{\"request_id\":12,\"entry\":\"e\",\"timeout_ms\":0,\"codec\":\"raw\",\"headers\":" + headers
                    + "}").getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> Envelopes.decodeRequest(body))
                    .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.requestId()).isEqualTo(12))
                    .hasMessage("Invalid request: headers must be an object of strings");
        }
    }

    @Test
    void aHeadersMapClaimingMoreEntriesThanTheLimitIsRejectedBeforeReadingThem() throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(2).packString("request_id").packLong(8).packString("headers").packMapHeader(33);
            for (int i = 0; i < 33; i++) {
                p.packString("k" + i).packString("v");
            }
            byte[] body = p.toByteArray();
            assertThatThrownBy(() -> Envelopes.decodeRequest(body))
                    .hasMessage("Invalid request: headers has 33 entries, at most 32 allowed");
        }
        // a long JSON value is refused by its length, before its UTF-8 is counted
        String value = "v".repeat(100_000);
        byte[] json = ("{\"request_id\":8,\"headers\":{\"k\":\"" + value + "\"}}").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Envelopes.decodeRequest(json)).hasMessage("Invalid request: headers exceed 8192 bytes");
    }
}
