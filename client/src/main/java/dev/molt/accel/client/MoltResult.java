package dev.molt.accel.client;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.PayloadException;
import dev.molt.accel.protocol.Payloads;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Type;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The successful result of a call. Thread-safe; the byte array is shared, not copied, so callers
 * must not change it. Decoding happens on first use of {@link #value()} or {@link #as(Type)}, on
 * the thread that asks, never on the client's reader thread.
 */
public final class MoltResult {

    private final String entry;
    private final long requestId;
    private final Codec codec;
    private final byte[] bytes;
    private final boolean decode;
    private final Map<String, Object> workerMetrics;
    private final long clientNanos;
    private final int payloadBytes;
    private final String worker;
    private volatile Object value;
    private volatile Map<String, Object> metrics;

    static {
        dev.molt.accel.client.internal.Results.install(new dev.molt.accel.client.internal.Results.Factory() {
            @Override
            public MoltResult result(String entry, long requestId, Codec codec, byte[] bytes, boolean decode,
                    Map<String, Object> workerMetrics, long clientNanos, int payloadBytes, String worker) {
                return new MoltResult(entry, requestId, codec, bytes, decode, workerMetrics, clientNanos, payloadBytes,
                        worker);
            }

            @Override
            public Map<String, Object> mergeMetrics(Map<String, Object> worker, long clientNanos, int payloadBytes,
                    int responseBytes) {
                return MoltResult.mergeMetrics(worker, clientNanos, payloadBytes, responseBytes);
            }
        });
    }

    MoltResult(String entry, long requestId, Codec codec, byte[] bytes, boolean decode,
            Map<String, Object> workerMetrics, long clientNanos, int payloadBytes, String worker) {
        this.entry = entry;
        this.worker = worker;
        this.requestId = requestId;
        this.codec = codec;
        this.bytes = bytes;
        this.decode = decode;
        this.workerMetrics = workerMetrics;
        this.clientNanos = clientNanos;
        this.payloadBytes = payloadBytes;
    }

    public String entry() {
        return entry;
    }

    public long requestId() {
        return requestId;
    }

    /** Codec of the result bytes (the export's {@code codec_out}). */
    public Codec codec() {
        return codec;
    }

    /** The result payload exactly as the worker sent it (never {@code null}). */
    public byte[] bytes() {
        return bytes;
    }

    /** Writes the result bytes as they came, with no decoding. */
    public void writeTo(OutputStream out) throws IOException {
        out.write(bytes);
    }

    /**
     * The decoded result ({@code Map}, {@code List}, scalar, or {@code byte[]} for opaque codecs).
     * When the call asked not to decode ({@code decodeResponse=false}) this is the raw bytes.
     *
     * @throws MoltProtocolException when the bytes are not valid for their codec
     */
    public Object value() {
        if (!decode || codec.isOpaque()) {
            return bytes;
        }
        Object v = value;
        if (v == null) {
            v = as(Object.class);
            value = v;
        }
        return v;
    }

    /**
     * The result decoded as {@code type} (a class, record or generic type).
     *
     * @throws MoltProtocolException when the bytes do not decode into that type
     */
    public <T> T as(Type type) {
        try {
            return Payloads.decode(codec, bytes, type);
        } catch (PayloadException e) {
            throw new MoltProtocolException("Result of '" + entry + "' does not decode as " + type.getTypeName()
                    + ": " + e.getMessage(), entry, requestId, e);
        }
    }

    /**
     * The worker's metrics (PROTOCOL.md section 7) plus the client's: {@code client_us},
     * {@code client_ms}, {@code payload_bytes} (request) and {@code response_bytes}.
     */
    public Map<String, Object> metrics() {
        Map<String, Object> m = metrics;
        if (m == null) {
            m = mergeMetrics(workerMetrics, clientNanos, payloadBytes, bytes.length);
            metrics = m;
        }
        return m;
    }

    /**
     * The worker that answered: the process id of a child worker (as text), the endpoint address of
     * a socket worker ({@code unix:/path}, {@code tcp://host:port}); empty when unknown.
     */
    public String worker() {
        return worker == null ? "" : worker;
    }

    /** Round-trip time measured by the client, in nanoseconds. */
    public long clientNanos() {
        return clientNanos;
    }

    static Map<String, Object> mergeMetrics(Map<String, Object> worker, long clientNanos, int payloadBytes,
            int responseBytes) {
        Map<String, Object> m = new LinkedHashMap<>(worker);
        m.put("client_us", clientNanos / 1_000);
        m.put("client_ms", clientNanos / 1_000_000);
        m.put("payload_bytes", (long) payloadBytes);
        m.put("response_bytes", (long) responseBytes);
        return Collections.unmodifiableMap(m);
    }

    @Override
    public String toString() {
        return "MoltResult[entry=" + entry + ", requestId=" + Long.toUnsignedString(requestId) + ", codec=" + codec
                + ", " + bytes.length + " bytes]";
    }
}
