package dev.molt.accel.protocol;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;

/**
 * A response from worker to client (PROTOCOL.md section 4). Immutable once built; arrays and maps
 * are not copied, so callers must not change them afterwards.
 *
 * @param requestId id of the request answered, 0 when the request could not be decoded
 * @param status outcome
 * @param codec codec of {@code payload}
 * @param payload result bytes, or {@code null} when absent
 * @param error human-readable message, or {@code null}
 * @param metrics worker-side measurements (values are {@link Long} or {@link String}), never {@code null}
 * @param entry {@code __cancel__} on a cancel acknowledgement, else usually {@code null}
 * @param compiled informational, or {@code null}
 */
public record ResponseEnvelope(
        long requestId,
        Status status,
        Codec codec,
        byte[] payload,
        String error,
        Map<String, Object> metrics,
        String entry,
        Long compiled) {

    public ResponseEnvelope {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(codec, "codec");
        metrics = metrics == null ? Map.of() : metrics;
    }

    /** A successful response. */
    public static ResponseEnvelope ok(long requestId, Codec codec, byte[] payload, Map<String, Object> metrics) {
        return new ResponseEnvelope(requestId, Status.OK, codec, payload, null, metrics, null, null);
    }

    /** A failed response with a message. */
    public static ResponseEnvelope failure(long requestId, Status status, Codec codec, String error,
            Map<String, Object> metrics) {
        return new ResponseEnvelope(requestId, status, codec, null, error, metrics, null, null);
    }

    /** The acknowledgement of a {@code __cancel__} for {@code targetId}: not the answer to that request. */
    public static ResponseEnvelope cancelAck(long targetId) {
        return new ResponseEnvelope(targetId, Status.OK, Codec.RAW, null, null, Collections.emptyMap(),
                Entries.CANCEL, null);
    }

    /** Whether this is a cancel acknowledgement rather than the answer to {@link #requestId()}. */
    public boolean isCancelAck() {
        return Entries.CANCEL.equals(entry);
    }

    /** The payload, or an empty array when absent. */
    public byte[] payloadOrEmpty() {
        return payload == null ? new byte[0] : payload;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResponseEnvelope r
                && requestId == r.requestId
                && status == r.status
                && codec == r.codec
                && Arrays.equals(payload, r.payload)
                && Objects.equals(error, r.error)
                && metrics.equals(r.metrics)
                && Objects.equals(entry, r.entry)
                && Objects.equals(compiled, r.compiled);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, status, codec, error, metrics, entry, compiled) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "ResponseEnvelope[requestId=" + Long.toUnsignedString(requestId) + ", status=" + status
                + ", codec=" + codec + ", payload=" + (payload == null ? "none" : payload.length + " bytes")
                + (error == null ? "" : ", error=" + error)
                + (metrics.isEmpty() ? "" : ", metrics=" + metrics)
                + (entry == null ? "" : ", entry=" + entry)
                + (compiled == null ? "" : ", compiled=" + compiled) + "]";
    }
}
