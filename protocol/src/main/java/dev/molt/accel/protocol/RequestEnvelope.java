package dev.molt.accel.protocol;

import java.util.Objects;

/**
 * A request from client to worker (PROTOCOL.md section 3). Immutable once built; the payload array
 * is not copied, so callers must not change it afterwards.
 *
 * @param requestId unsigned 64-bit id, held in a {@code long} (use {@link Long#toUnsignedString})
 * @param entry export name or reserved name
 * @param timeoutMs worker-side deadline in milliseconds, 0 for none; at most 2^32-1
 * @param codec codec of {@code payload}
 * @param payload payload bytes, never {@code null} (empty when absent on the wire)
 */
public record RequestEnvelope(long requestId, String entry, long timeoutMs, Codec codec, byte[] payload) {

    /** Largest value of the u32 {@code timeout_ms} field. */
    public static final long MAX_TIMEOUT_MS = 0xFFFF_FFFFL;

    private static final byte[] EMPTY = new byte[0];

    public RequestEnvelope {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(codec, "codec");
        if (timeoutMs < 0 || timeoutMs > MAX_TIMEOUT_MS) {
            throw new IllegalArgumentException("timeoutMs " + timeoutMs + " is outside 0.." + MAX_TIMEOUT_MS);
        }
        if (payload == null) {
            payload = EMPTY;
        }
    }

    /** A {@code __ping__} request. */
    public static RequestEnvelope ping(long requestId, long timeoutMs) {
        return new RequestEnvelope(requestId, Entries.PING, timeoutMs, Codec.RAW, EMPTY);
    }

    /** A {@code __cancel__} for request {@code targetId}; the payload repeats the id in the wire's codec. */
    public static RequestEnvelope cancel(long targetId, Wire wire) {
        Codec codec = wire == Wire.JSON ? Codec.JSON : Codec.MSGPACK;
        byte[] payload = Payloads.encode(codec, java.util.Map.of("request_id", targetId));
        return new RequestEnvelope(targetId, Entries.CANCEL, 0, codec, payload);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestEnvelope r
                && requestId == r.requestId
                && timeoutMs == r.timeoutMs
                && entry.equals(r.entry)
                && codec == r.codec
                && java.util.Arrays.equals(payload, r.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, entry, timeoutMs, codec) * 31 + java.util.Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "RequestEnvelope[requestId=" + Long.toUnsignedString(requestId) + ", entry=" + entry
                + ", timeoutMs=" + timeoutMs + ", codec=" + codec + ", payload=" + payload.length + " bytes]";
    }
}
