package dev.molt.accel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile input: msgpack length headers that claim more than the bytes that follow, in payloads
 * and in every envelope field, are rejected with the module's errors before anything of the claimed
 * size is allocated. Allocation is measured for the current thread.
 */
class LengthClaimsTest {

    /** Decoding a frame of a hundred bytes may allocate this much at most (parsers, buffers). */
    private static final long MAX_ALLOCATED = 4L * 1024 * 1024;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A named msgpack value whose header claims {@code 1 GiB} (or as much as its format can). */
    record Claim(String name, byte[] header) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Claim> claims() {
        return List.of(
                new Claim("str8 255", bytes(0xd9, 0xff)),
                new Claim("str16 65535", bytes(0xda, 0xff, 0xff)),
                new Claim("str32 1 GiB", bytes(0xdb, 0x40, 0, 0, 0)),
                new Claim("str32 4 GiB - 1", bytes(0xdb, 0xff, 0xff, 0xff, 0xff)),
                new Claim("str32 2 GiB - 1", bytes(0xdb, 0x7f, 0xff, 0xff, 0xff)),
                new Claim("bin8 255", bytes(0xc4, 0xff)),
                new Claim("bin16 65535", bytes(0xc5, 0xff, 0xff)),
                new Claim("bin32 1 GiB", bytes(0xc6, 0x40, 0, 0, 0)),
                new Claim("ext8 255", bytes(0xc7, 0xff, 0x01)),
                new Claim("ext16 65535", bytes(0xc8, 0xff, 0xff, 0x01)),
                new Claim("ext32 1 GiB", bytes(0xc9, 0x40, 0, 0, 0, 0x01)),
                new Claim("array16 65535", bytes(0xdc, 0xff, 0xff)),
                new Claim("array32 1 Gi entries", bytes(0xdd, 0x40, 0, 0, 0)),
                new Claim("array32 4 Gi - 1 entries", bytes(0xdd, 0xff, 0xff, 0xff, 0xff)),
                new Claim("map16 65535", bytes(0xde, 0xff, 0xff)),
                new Claim("map32 1 Gi entries", bytes(0xdf, 0x40, 0, 0, 0)),
                new Claim("map32 2 Gi - 1 entries", bytes(0xdf, 0x7f, 0xff, 0xff, 0xff)));
    }

    // ------------------------------------------------------------------ payloads

    @ParameterizedTest(name = "{0}")
    @MethodSource("claims")
    void payloadClaimIsRejectedWithoutAllocatingIt(Claim claim) {
        byte[] alone = concat(claim.header(), filler(40));
        assertRejectedCheaply(() -> Payloads.decode(Codec.MSGPACK, alone), PayloadException.class);

        // nested: {"a": [1, <claim>]} and a record type as the target
        byte[] nested = concat(bytes(0x81, 0xa1, 'a', 0x92, 0x01), claim.header(), filler(40));
        assertRejectedCheaply(() -> Payloads.decode(Codec.MSGPACK, nested), PayloadException.class);
        assertRejectedCheaply(() -> Payloads.decode(Codec.MSGPACK, nested, Holder.class), PayloadException.class);
        // a map key
        byte[] key = concat(bytes(0x81), claim.header(), filler(40));
        assertRejectedCheaply(() -> Payloads.decode(Codec.MSGPACK, key), PayloadException.class);
    }

    record Holder(List<Object> a) {
    }

    @Test
    void rejectionsSayWhatWasClaimedAndNothingInternal() {
        assertThatThrownBy(() -> Payloads.decode(Codec.MSGPACK, concat(bytes(0xdb, 0x40, 0, 0, 0), filler(10))))
                .isInstanceOf(PayloadException.class)
                .hasMessage("Invalid msgpack payload: str header claims 1073741824 bytes but only 10 remain");
        assertThatThrownBy(() -> Payloads.decode(Codec.MSGPACK, concat(bytes(0xdd, 0x40, 0, 0, 0), filler(10))))
                .hasMessage("Invalid msgpack payload: array header claims 1073741824 entries but only 10 bytes remain");
        assertThatThrownBy(() -> Payloads.decode(Codec.MSGPACK, bytes(0x92, 0x01, 0xce, 0x00)))
                .hasMessage("Invalid msgpack payload: truncated msgpack");
        assertThatThrownBy(() -> Payloads.decode(Codec.MSGPACK, bytes(0x91, 0xc1)))
                .hasMessage("Invalid msgpack payload: malformed msgpack (reserved byte 0xc1)");
    }

    @Test
    void claimsThatFitStillDecode() {
        // exactly as many bytes as claimed, in each length format
        assertThat(Payloads.decode(Codec.MSGPACK, concat(bytes(0xd9, 3), "abc".getBytes(StandardCharsets.UTF_8))))
                .isEqualTo("abc");
        assertThat(Payloads.decode(Codec.MSGPACK, concat(bytes(0xc6, 0, 0, 0, 2), bytes(7, 8))))
                .isEqualTo(bytes(7, 8));
        assertThat(Payloads.decode(Codec.MSGPACK, concat(bytes(0xdd, 0, 0, 0, 3), bytes(1, 2, 3))))
                .isEqualTo(List.of(1, 2, 3));
        assertThat(Payloads.decode(Codec.MSGPACK, concat(bytes(0xdf, 0, 0, 0, 1), bytes(0xa1, 'k', 0xc0))))
                .isEqualTo(java.util.Collections.singletonMap("k", null));
    }

    @Test
    void hugeJsonNumbersAreRejectedQuicklyAndCheaply() {
        byte[] digits = new byte[1024 * 1024];
        java.util.Arrays.fill(digits, (byte) '1');
        byte[] json = concat("{\"rows\":".getBytes(StandardCharsets.UTF_8), digits, bytes('}'));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> Payloads.decode(Codec.JSON, json))
                .isInstanceOf(PayloadException.class)
                .hasMessage("Invalid json payload: a number longer than allowed")
                .hasMessageNotContaining("StreamReadConstraints");
        assertThat((System.nanoTime() - t0) / 1_000_000L).as("ms to reject a 1 MB number").isLessThan(2_000L);
        assertRejectedCheaply(() -> Payloads.decode(Codec.JSON, json), PayloadException.class, 4L * json.length);
        // a number of 100 characters is still fine
        byte[] ok = ("[" + "9".repeat(Payloads.MAX_NUMBER_LENGTH) + "]").getBytes(StandardCharsets.UTF_8);
        assertThat(Payloads.decode(Codec.JSON, ok)).asList().hasSize(1);
    }

    @Test
    void bindingErrorsDoNotNameTheTargetType() {
        byte[] json = "{\"a\": 5}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Payloads.decode(Codec.JSON, json, Holder.class))
                .isInstanceOf(PayloadException.class)
                .hasMessageStartingWith("Invalid json payload: does not fit the expected type at $.a")
                .hasMessageNotContaining("Holder").hasMessageNotContaining("dev.molt");
        assertThatThrownBy(() -> Payloads.convert(Map.of("a", 5), Holder.class))
                .hasMessageNotContaining("Holder").hasMessageNotContaining("dev.molt");
    }

    // ------------------------------------------------------------------ envelopes

    @ParameterizedTest(name = "{0}")
    @MethodSource("claims")
    void envelopeFieldClaimsAreRejectedWithoutAllocatingThem(Claim claim) {
        byte[] c = claim.header();
        // the claim as the value of each string field, as a key, and as an unknown field's value
        for (String field : List.of("entry", "codec", "headers", "unknown")) {
            byte[] request = concat(bytes(0x85), str("request_id"), bytes(7), str(field), c, filler(40));
            assertRejectedCheaply(() -> Envelopes.decodeRequest(Wire.MSGPACK, request), ProtocolException.class);
        }
        // inside headers: as a header name and as a header value
        byte[] headerName = concat(bytes(0x85), str("request_id"), bytes(7), str("headers"), bytes(0x81), c,
                filler(40));
        assertRejectedCheaply(() -> Envelopes.decodeRequest(Wire.MSGPACK, headerName), ProtocolException.class);
        byte[] headerValue = concat(bytes(0x85), str("request_id"), bytes(7), str("headers"), bytes(0x81), str("k"),
                c, filler(40));
        assertRejectedCheaply(() -> Envelopes.decodeRequest(Wire.MSGPACK, headerValue), ProtocolException.class);
        byte[] keyClaim = concat(bytes(0x85), str("request_id"), bytes(7), c, filler(40));
        assertRejectedCheaply(() -> Envelopes.decodeRequest(Wire.MSGPACK, keyClaim), ProtocolException.class);
        for (String field : List.of("status", "error", "codec", "metrics", "unknown")) {
            byte[] response = concat(bytes(0x83), str("request_id"), bytes(7), str(field), c, filler(40));
            assertRejectedCheaply(() -> Envelopes.decodeResponse(Wire.MSGPACK, response), ProtocolException.class);
        }
        byte[] metrics = concat(bytes(0x83), str("request_id"), bytes(7), str("metrics"), bytes(0x81), str("k"), c,
                filler(40));
        assertRejectedCheaply(() -> Envelopes.decodeResponse(Wire.MSGPACK, metrics), ProtocolException.class);
        // the envelope map itself
        byte[] envelope = concat(bytes(0xdf, 0x40, 0, 0, 0), str("request_id"), bytes(7), filler(40));
        assertRejectedCheaply(() -> Envelopes.decodeRequest(Wire.MSGPACK, envelope), ProtocolException.class);
    }

    @Test
    void payloadBinClaimIsRejectedWithTheRequestId() {
        byte[] request = concat(bytes(0x85), str("request_id"), bytes(9), str("entry"), str("compute"),
                str("timeout_ms"), bytes(0), str("codec"), str("msgpack"), str("payload"),
                bytes(0xc6, 0x40, 0, 0, 0), filler(8));
        ProtocolException e = assertRejectedCheaply(() -> Envelopes.decodeRequest(Wire.MSGPACK, request),
                ProtocolException.class);
        assertThat(e.requestId()).isEqualTo(9);
        assertThat(e.getMessage()).isEqualTo("Invalid request: payload length exceeds the frame");

        byte[] entryClaim = concat(bytes(0x85), str("request_id"), bytes(9), str("entry"),
                bytes(0xdb, 0x40, 0, 0, 0), filler(8));
        assertThatThrownBy(() -> Envelopes.decodeRequest(Wire.MSGPACK, entryClaim))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("Invalid request: str header claims 1073741824 bytes but only 8 remain");
    }

    @Test
    void theSeventySixByteFrameOfTheReport() {
        // a well-formed request whose msgpack payload is a str32 claiming 1 GiB
        byte[] payload = concat(bytes(0x81, 0xa1, 'q', 0xdb, 0x40, 0, 0, 0), filler(4));
        RequestEnvelope r = new RequestEnvelope(1, "list_items", 1000, Codec.MSGPACK, payload);
        byte[] frame = Envelopes.encodeRequestFrame(Wire.MSGPACK, r, Frames.DEFAULT_MAX_FRAME_BYTES);
        assertThat(frame.length).isLessThan(100);
        byte[] body = java.util.Arrays.copyOfRange(frame, Frames.HEADER_BYTES, frame.length);
        RequestEnvelope decoded = Envelopes.decodeRequest(body);
        assertRejectedCheaply(() -> Payloads.decode(decoded.codec(), decoded.payload()), PayloadException.class);
    }

    @Test
    void aResponseWhosePayloadClaimsAGigabyteCostsTheClientNothing() {
        // what a misbehaving worker can send a client: a well-formed response, a hostile payload
        for (byte[] claim : List.of(bytes(0xdb, 0x40, 0, 0, 0), bytes(0xc6, 0x40, 0, 0, 0),
                bytes(0xdd, 0x40, 0, 0, 0), bytes(0x81, 0xa1, 'k', 0xc9, 0x40, 0, 0, 0, 1))) {
            ResponseEnvelope ok = ResponseEnvelope.ok(5, Codec.MSGPACK, claim, Map.of());
            byte[] body = Envelopes.encodeResponse(Wire.MSGPACK, ok);
            ResponseEnvelope decoded = Envelopes.decodeResponse(body);
            assertRejectedCheaply(() -> Payloads.decode(decoded.codec(), decoded.payload()), PayloadException.class);
            assertRejectedCheaply(() -> Payloads.decode(decoded.codec(), decoded.payload(), Holder.class),
                    PayloadException.class);
        }
    }

    @Test
    void hugeJsonEnvelopeNumbersAreRejected() {
        String digits = "1".repeat(100_000);
        byte[] body = ("{\"request_id\":" + digits + ",\"entry\":\"x\",\"timeout_ms\":0,\"codec\":\"raw\"}")
                .getBytes(StandardCharsets.UTF_8);
        ProtocolException e = assertRejectedCheaply(() -> Envelopes.decodeRequest(Wire.JSON, body),
                ProtocolException.class, MAX_ALLOCATED + 4L * body.length);
        assertThat(e.getMessage()).startsWith("Invalid request: malformed JSON").doesNotContain("StreamReadConstraints");
    }

    // ------------------------------------------------------------------ helpers

    private static <E extends RuntimeException> E assertRejectedCheaply(Supplier<?> decode, Class<E> type) {
        return assertRejectedCheaply(decode, type, MAX_ALLOCATED);
    }

    private static <E extends RuntimeException> E assertRejectedCheaply(Supplier<?> decode, Class<E> type,
            long maxBytes) {
        catchIt(decode, type); // once to load classes and fill caches, which allocates
        long tid = Thread.currentThread().getId();
        long before = THREADS.getThreadAllocatedBytes(tid);
        E e = catchIt(decode, type);
        long allocated = THREADS.getThreadAllocatedBytes(tid) - before;
        assertThat(allocated).as("bytes allocated rejecting it (%s)", e.getMessage()).isLessThan(maxBytes);
        return e;
    }

    private static <E extends RuntimeException> E catchIt(Supplier<?> decode, Class<E> type) {
        try {
            Object v = decode.get();
            throw new AssertionError("decoded instead of failing: " + v);
        } catch (RuntimeException e) {
            assertThat(e).isInstanceOf(type);
            assertThat(e.getMessage()).hasSizeLessThan(200);
            return type.cast(e);
        }
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] str(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return concat(bytes(0xa0 | utf8.length), utf8);
    }

    private static byte[] filler(int n) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) 0x01);
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
