package dev.molt.accel.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A request from client to worker (PROTOCOL.md section 3). Immutable once built; the payload array
 * is not copied, so callers must not change it afterwards. The headers are copied into an
 * unmodifiable map when there are any; without headers nothing is allocated.
 *
 * @param requestId unsigned 64-bit id, held in a {@code long} (use {@link Long#toUnsignedString})
 * @param entry export name or reserved name
 * @param timeoutMs worker-side deadline in milliseconds, 0 for none; at most 2^32-1
 * @param codec codec of {@code payload}
 * @param payload payload bytes, never {@code null} (empty when absent on the wire)
 * @param headers request metadata (trace context, baggage, a correlation id), never {@code null};
 *     empty means absent on the wire. Decoding accepts at most {@link #MAX_HEADERS} entries and
 *     {@link #MAX_HEADER_BYTES} bytes of names and values.
 */
public record RequestEnvelope(long requestId, String entry, long timeoutMs, Codec codec, byte[] payload,
        Map<String, String> headers) {

    /** Largest value of the u32 {@code timeout_ms} field. */
    public static final long MAX_TIMEOUT_MS = 0xFFFF_FFFFL;

    /** Most entries the {@code headers} field may hold (PROTOCOL.md section 3). */
    public static final int MAX_HEADERS = 32;

    /** Most bytes of header names plus values, in UTF-8, the {@code headers} field may hold. */
    public static final int MAX_HEADER_BYTES = 8 * 1024;

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
        headers = copyOf(headers);
    }

    /** A request without headers. */
    public RequestEnvelope(long requestId, String entry, long timeoutMs, Codec codec, byte[] payload) {
        this(requestId, entry, timeoutMs, codec, payload, Map.of());
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

    /**
     * Checks headers a sender is about to use: names and values not {@code null}, names not empty,
     * at most {@link #MAX_HEADERS} entries and {@link #MAX_HEADER_BYTES} UTF-8 bytes of names and
     * values (a receiver rejects the request otherwise).
     *
     * @return {@code headers}
     * @throws IllegalArgumentException naming the broken limit (not the values)
     */
    public static Map<String, String> checkHeaders(Map<String, String> headers) {
        Objects.requireNonNull(headers, "headers");
        if (headers.size() > MAX_HEADERS) {
            throw new IllegalArgumentException(
                    "headers: " + headers.size() + " entries, at most " + MAX_HEADERS + " allowed");
        }
        long chars = 0;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            String name = Objects.requireNonNull(h.getKey(), "header name");
            String value = Objects.requireNonNull(h.getValue(), "value of header " + name);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("headers: a header name is empty");
            }
            chars += name.length() + value.length();
        }
        if (chars * 3 <= MAX_HEADER_BYTES) {
            return headers; // a char is at most 3 bytes of UTF-8 (a surrogate pair, 2 chars, is 4): no need to count
        }
        long bytes = 0;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            bytes += utf8Length(h.getKey()) + utf8Length(h.getValue());
        }
        if (bytes > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException(
                    "headers: " + bytes + " bytes of names and values, at most " + MAX_HEADER_BYTES + " allowed");
        }
        return headers;
    }

    /** UTF-8 length of {@code s}: one pass, no encoding (an unpaired surrogate counts as '?' does). */
    static int utf8Length(CharSequence s) {
        return utf8Length(s, 0, s.length());
    }

    static int utf8Length(CharSequence s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                n++; // an unpaired surrogate is encoded as '?'
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static Map<String, String> copyOf(Map<String, String> headers) {
        if (headers == null || headers.isEmpty()) {
            return Map.of();
        }
        Map<String, String> copy = new LinkedHashMap<>(headers.size() * 2);
        for (Map.Entry<String, String> h : headers.entrySet()) {
            copy.put(Objects.requireNonNull(h.getKey(), "header name"),
                    Objects.requireNonNull(h.getValue(), "header value"));
        }
        return Collections.unmodifiableMap(copy); // insertion order: the wire order stays the caller's
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestEnvelope r
                && requestId == r.requestId
                && timeoutMs == r.timeoutMs
                && entry.equals(r.entry)
                && codec == r.codec
                && java.util.Arrays.equals(payload, r.payload)
                && headers.equals(r.headers);
    }

    @Override
    public int hashCode() {
        return (Objects.hash(requestId, entry, timeoutMs, codec) * 31 + java.util.Arrays.hashCode(payload)) * 31
                + headers.hashCode();
    }

    /** Shows the number of headers only: their values may carry trace or baggage data. */
    @Override
    public String toString() {
        return "RequestEnvelope[requestId=" + Long.toUnsignedString(requestId) + ", entry=" + entry
                + ", timeoutMs=" + timeoutMs + ", codec=" + codec + ", payload=" + payload.length + " bytes, headers="
                + headers.size() + "]";
    }
}
