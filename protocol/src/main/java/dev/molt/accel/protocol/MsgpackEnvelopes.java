package dev.molt.accel.protocol;

import java.io.IOException;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * The msgpack wire of {@link Envelopes}: packs envelopes and unpacks their fields with
 * msgpack-core, field by field, every length header checked by {@link MsgpackChecks} before it is
 * believed. Stateless and thread-safe; {@link Envelopes} validates what it returns.
 */
final class MsgpackEnvelopes {

    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    private MsgpackEnvelopes() {
    }

    private static MessageBufferPacker packer(int estimate) {
        return new MessagePack.PackerConfig().withBufferSize(Math.max(64, estimate)).newBufferPacker();
    }

    static byte[] encodeRequest(RequestEnvelope r, int reserve) {
        byte[] payload = r.payload();
        Map<String, String> headers = r.headers();
        int estimate = reserve + 96 + r.entry().length() * 3 + payload.length;
        if (!headers.isEmpty()) {
            estimate += headerEstimate(headers);
        }
        try (MessageBufferPacker p = packer(estimate)) {
            if (reserve > 0) {
                p.writePayload(new byte[reserve]);
            }
            p.packMapHeader(headers.isEmpty() ? 5 : 6);
            p.packString("request_id");
            packUnsigned(p, r.requestId());
            p.packString("entry");
            p.packString(r.entry());
            p.packString("timeout_ms");
            p.packLong(r.timeoutMs());
            p.packString("codec");
            p.packString(r.codec().id());
            p.packString("payload");
            p.packBinaryHeader(payload.length);
            p.writePayload(payload);
            if (!headers.isEmpty()) {
                p.packString("headers");
                p.packMapHeader(headers.size());
                for (Map.Entry<String, String> h : headers.entrySet()) {
                    p.packString(h.getKey());
                    p.packString(h.getValue());
                }
            }
            return p.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("In-memory packer failed", e);
        }
    }

    /** Bytes the headers may take packed: UTF-8 is at most 3 bytes per char, plus str headers. */
    static int headerEstimate(Map<String, String> headers) {
        long n = 16;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            n += (h.getKey().length() + h.getValue().length()) * 3L + 10;
        }
        return (int) Math.min(n, 1 << 20);
    }

    static byte[] encodeResponse(ResponseEnvelope r, int reserve) {
        byte[] payload = r.payload();
        int fields = 3 + (payload != null ? 1 : 0) + (r.error() != null ? 1 : 0) + (!r.metrics().isEmpty() ? 1 : 0)
                + (r.entry() != null ? 1 : 0) + (r.compiled() != null ? 1 : 0);
        int estimate = reserve + 128 + (payload == null ? 0 : payload.length)
                + (r.error() == null ? 0 : r.error().length() * 3) + r.metrics().size() * 24;
        try (MessageBufferPacker p = packer(estimate)) {
            if (reserve > 0) {
                p.writePayload(new byte[reserve]);
            }
            p.packMapHeader(fields);
            p.packString("request_id");
            packUnsigned(p, r.requestId());
            p.packString("status");
            p.packString(r.status().wireName());
            p.packString("codec");
            p.packString(r.codec().id());
            if (payload != null) {
                p.packString("payload");
                p.packBinaryHeader(payload.length);
                p.writePayload(payload);
            }
            if (r.error() != null) {
                p.packString("error");
                p.packString(r.error());
            }
            if (!r.metrics().isEmpty()) {
                p.packString("metrics");
                p.packMapHeader(r.metrics().size());
                for (Map.Entry<String, Object> m : r.metrics().entrySet()) {
                    p.packString(m.getKey());
                    Object v = m.getValue();
                    if (v instanceof Number n) {
                        packUnsigned(p, n.longValue());
                    } else {
                        p.packString(String.valueOf(v));
                    }
                }
            }
            if (r.entry() != null) {
                p.packString("entry");
                p.packString(r.entry());
            }
            if (r.compiled() != null) {
                p.packString("compiled");
                packUnsigned(p, r.compiled());
            }
            return p.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("In-memory packer failed", e);
        }
    }

    private static void packUnsigned(MessageBufferPacker p, long value) throws IOException {
        if (value >= 0) {
            p.packLong(value);
        } else {
            p.packBigInteger(BigInteger.valueOf(value).add(TWO_64));
        }
    }

    static EnvelopeFields unpack(byte[] body, boolean request) {
        String what = request ? "request" : "response";
        EnvelopeFields f = new EnvelopeFields();
        long end = body.length;
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
            if (!u.hasNext()) {
                throw new ProtocolException("Invalid " + what + ": empty frame");
            }
            if (u.getNextFormat().getValueType() != ValueType.MAP) {
                throw new ProtocolException("Invalid " + what + ": envelope is not a map");
            }
            int n = (int) MsgpackChecks.checkEntries(u.unpackMapHeader(), 2, u, end, "map") / 2;
            for (int i = 0; i < n; i++) {
                if (u.getNextFormat().getValueType() != ValueType.STRING) {
                    throw new ProtocolException("Invalid " + what + ": envelope keys must be strings", f.idOrZero(), null);
                }
                String key = MsgpackChecks.readString(u, end);
                switch (key) {
                    case "request_id" -> f.requestId = unpackUnsigned(u, key, what, f);
                    case "entry" -> f.entry = unpackStringOrNull(u, end, key, what, f);
                    case "timeout_ms" -> f.timeoutMs = unpackUnsigned(u, key, what, f);
                    case "codec" -> f.codec = unpackStringOrNull(u, end, key, what, f);
                    case "payload" -> f.payload = unpackBinary(u, end, what, f);
                    case "headers" -> {
                        if (request) {
                            f.headers = unpackHeaders(u, end, what, f);
                        } else {
                            MsgpackChecks.skipValue(u, end, Payloads.MAX_NESTING_DEPTH);
                        }
                    }
                    case "status" -> f.status = unpackStringOrNull(u, end, key, what, f);
                    case "error" -> f.error = unpackStringOrNull(u, end, key, what, f);
                    case "metrics" -> f.metrics = unpackMetrics(u, end, what, f);
                    case "compiled" -> f.compiled = u.getNextFormat() == MessageFormat.NIL
                            ? skipNil(u) : unpackUnsigned(u, key, what, f);
                    default -> MsgpackChecks.skipValue(u, end, Payloads.MAX_NESTING_DEPTH);
                }
            }
            if (u.hasNext()) {
                throw new ProtocolException("Invalid " + what + ": trailing bytes after the envelope", f.idOrZero(), null);
            }
            return f;
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | MessagePackException | IllegalStateException e) {
            // the message of a library exception may name its classes: the peer gets a description
            throw new ProtocolException("Invalid " + what + ": " + MsgpackChecks.describe(e), f.idOrZero(), e);
        }
    }

    private static Long skipNil(MessageUnpacker u) throws IOException {
        u.unpackNil();
        return null;
    }

    private static long unpackUnsigned(MessageUnpacker u, String key, String what, EnvelopeFields f)
            throws IOException {
        MessageFormat format = u.getNextFormat();
        if (format.getValueType() != ValueType.INTEGER) {
            throw new ProtocolException("Invalid " + what + ": " + key + " must be an unsigned integer", f.idOrZero(), null);
        }
        if (format == MessageFormat.UINT64) {
            return u.unpackBigInteger().longValue();
        }
        long v = u.unpackLong();
        if (v < 0) {
            throw new ProtocolException("Invalid " + what + ": " + key + " must be an unsigned integer", f.idOrZero(), null);
        }
        return v;
    }

    /**
     * Whether the next value is nil (then consumed); otherwise checks that it is of {@code type},
     * failing with "{@code field}{@code expected}". The message is built only on failure, so a
     * well-formed frame allocates nothing here.
     */
    private static boolean nilOrExpect(MessageUnpacker u, ValueType type, String field, String expected, String what,
            EnvelopeFields f) throws IOException {
        MessageFormat format = u.getNextFormat();
        if (format == MessageFormat.NIL) {
            u.unpackNil();
            return true;
        }
        if (format.getValueType() != type) {
            throw new ProtocolException("Invalid " + what + ": " + field + expected, f.idOrZero(), null);
        }
        return false;
    }

    private static String unpackStringOrNull(MessageUnpacker u, long end, String key, String what, EnvelopeFields f)
            throws IOException {
        if (nilOrExpect(u, ValueType.STRING, key, " must be a string", what, f)) {
            return null;
        }
        return MsgpackChecks.readString(u, end);
    }

    private static byte[] unpackBinary(MessageUnpacker u, long end, String what, EnvelopeFields f) throws IOException {
        if (nilOrExpect(u, ValueType.BINARY, "payload", " must be bytes (bin)", what, f)) {
            return null;
        }
        int len = u.unpackBinaryHeader();
        if (len < 0 || len > end - u.getTotalReadBytes()) {
            throw new ProtocolException("Invalid " + what + ": payload length exceeds the frame", f.idOrZero(), null);
        }
        return u.readPayload(len);
    }

    /**
     * Reads the {@code headers} map within its limits: the entry count is checked against the limit
     * and the remaining bytes before anything is allocated, and each name's and value's length
     * against the bytes left of the 8 KiB budget before the string is made.
     */
    private static Map<String, String> unpackHeaders(MessageUnpacker u, long end, String what, EnvelopeFields f)
            throws IOException {
        if (nilOrExpect(u, ValueType.MAP, "headers", " must be a map of strings", what, f)) {
            return null;
        }
        int n = (int) (MsgpackChecks.checkEntries(u.unpackMapHeader(), 2, u, end, "headers map") / 2);
        if (n > RequestEnvelope.MAX_HEADERS) {
            throw new ProtocolException("Invalid " + what + ": headers has " + n + " entries, at most "
                    + RequestEnvelope.MAX_HEADERS + " allowed", f.idOrZero(), null);
        }
        if (n == 0) {
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>(n * 2);
        int[] budget = {RequestEnvelope.MAX_HEADER_BYTES};
        for (int i = 0; i < n; i++) {
            String name = headerString(u, end, budget, what, f);
            headers.put(name, headerString(u, end, budget, what, f));
        }
        return headers;
    }

    private static String headerString(MessageUnpacker u, long end, int[] budget, String what, EnvelopeFields f)
            throws IOException {
        if (u.getNextFormat().getValueType() != ValueType.STRING) {
            throw new ProtocolException("Invalid " + what + ": headers must be a map of strings", f.idOrZero(), null);
        }
        int len = MsgpackChecks.checkLength(u.unpackRawStringHeader(), u, end, "str");
        if (len > budget[0]) {
            throw new ProtocolException("Invalid " + what + ": headers exceed " + RequestEnvelope.MAX_HEADER_BYTES
                    + " bytes", f.idOrZero(), null);
        }
        budget[0] -= len;
        return MsgpackChecks.readStringPayload(u, len);
    }

    private static Map<String, Object> unpackMetrics(MessageUnpacker u, long end, String what, EnvelopeFields f)
            throws IOException {
        if (nilOrExpect(u, ValueType.MAP, "metrics", " must be a map", what, f)) {
            return null;
        }
        int n = (int) (MsgpackChecks.checkEntries(u.unpackMapHeader(), 2, u, end, "metrics map") / 2);
        Map<String, Object> metrics = new LinkedHashMap<>(Math.min(n, 64) * 2);
        for (int i = 0; i < n; i++) {
            if (u.getNextFormat().getValueType() != ValueType.STRING) {
                throw new ProtocolException("Invalid " + what + ": metrics keys must be strings", f.idOrZero(), null);
            }
            String key = MsgpackChecks.readString(u, end);
            MessageFormat vf = u.getNextFormat();
            switch (vf.getValueType()) {
                case INTEGER -> metrics.put(key, vf == MessageFormat.UINT64 ? u.unpackBigInteger().longValue() : u.unpackLong());
                case FLOAT -> metrics.put(key, (long) u.unpackDouble());
                case STRING -> metrics.put(key, MsgpackChecks.readString(u, end));
                default -> MsgpackChecks.skipValue(u, end, Payloads.MAX_NESTING_DEPTH);
            }
        }
        return metrics;
    }
}
